import ExcelJS from 'exceljs';
import type { Bus } from '@autocall/bus';
import { DialerTaskCancel } from '@autocall/contracts';
import { asTenant, eventually, newTenantId, startTestService, type TestService } from '@autocall/testing';
import { rosterService } from '../../roster/src/service';
import type { RosterConfig } from '../../roster/src/config';
import { callsPerNumber, connectBus, dialerSql, EventLog, OUTCOME_BY_DIGIT, snapshot, startDialer, startTask, type Dialer } from './helpers';

/**
 * The dialer against the real roster service (no stand-in on this file's bus): the roster is an
 * .xlsx uploaded through the roster service's HTTP API, and the dialer pulls its entries over the
 * roster.entries.page RPC, several pages of them.
 */
let roster: TestService<RosterConfig>;
let dialer: Dialer;
let events: EventLog;
let bus: Bus;

beforeAll(async () => {
  roster = await startTestService({ ...rosterService, env: { ROSTER_IMPORT_POLL_MS: '200' } });
  events = await EventLog.start();
  bus = await connectBus();
  dialer = await startDialer({ DIALER_ROSTER_PAGE_SIZE: '4' });
}, 60_000);
afterAll(async () => {
  await dialer?.close();
  await roster?.close();
  await events?.close();
  await bus?.close();
});

/** Number i in national form (as a person types it) and in E.164 (as the roster stores it); its last digit is i's. */
const national = (i: number) => `0813${String(7000000 + i).padStart(8, '0')}`;
const e164 = (i: number) => `+62${national(i).slice(1)}`;

async function uploadRoster(tenantId: string, count: number): Promise<string> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('Roster');
  ws.addRow(['Phone Number', 'Name', 'Order Id']);
  for (let i = 0; i < count; i++) ws.addRow([national(i), `Customer ${i}`, `ORD-${i}`]);
  const file = Buffer.from(await wb.xlsx.writeBuffer());
  const boundary = '----dialer-real-roster';
  const payload = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="name"\r\n\r\nCustomers\r\n`),
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="customers.xlsx"\r\nContent-Type: application/octet-stream\r\n\r\n`),
    file,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  const res = await roster.app.inject({
    method: 'POST',
    url: '/v1/rosters?wait=true',
    headers: { ...asTenant(tenantId), 'content-type': `multipart/form-data; boundary=${boundary}` },
    payload,
  });
  expect(res.json()).toMatchObject({ status: 'ready', counts: { valid: count } });
  return res.json().id;
}

describe('a roster from the real roster service', () => {
  it('when a task over an uploaded roster starts, then the dialer loads it page by page and calls each number once with its name and columns', async () => {
    const tenantId = newTenantId();
    const count = 10;
    const rosterId = await uploadRoster(tenantId, count);
    const s = snapshot({ tenantId, rosterId, total: count });
    events.watch(s.taskId);
    await startTask(bus, s);
    expect(await events.drainedOf(s.taskId)).toMatchObject({ tenantId, finalCount: count, cancelled: 0 });

    const rows = await dialerSql<{ row_number: number; phone: string }>(`SELECT row_number, phone FROM call_attempts WHERE task_id = $1 ORDER BY row_number`, [s.taskId]);
    expect(rows).toEqual(Array.from({ length: count }, (_, i) => ({ row_number: i + 2, phone: e164(i) })));
    const perNumber = await callsPerNumber(s.taskId);
    expect([...perNumber.keys()].sort()).toEqual(rows.map((r) => r.phone).sort());
    expect([...perNumber.values()].every((n) => n === 1)).toBe(true);

    await eventually(() => events.callsOf(s.taskId).length === count);
    for (const c of events.callsOf(s.taskId)) {
      const i = c.rowNumber - 2;
      expect([c.phone, c.outcome, c.name, c.variables['Order Id']]).toEqual([e164(i), OUTCOME_BY_DIGIT[String(i % 10)][0], `Customer ${i}`, `ORD-${i}`]);
    }
  });

  it('when the roster is another tenant’s, then the roster service refuses it, nothing is dialled, and the task drains at once with no final number instead of retrying forever', async () => {
    const rosterId = await uploadRoster(newTenantId(), 3);
    const s = snapshot({ tenantId: newTenantId(), rosterId, total: 3 });
    events.watch(s.taskId);
    await startTask(bus, s);
    // drained with its 3 numbers unreached: the task service counts them failed and completes the task
    expect(await events.drainedOf(s.taskId)).toMatchObject({ tenantId: s.tenantId, finalCount: 3, cancelled: 0, unreached: 3 });
    expect(await dialerSql(`SELECT 1 FROM call_attempts WHERE task_id = $1`, [s.taskId])).toHaveLength(0);
    const [task] = await dialerSql<{ loaded: boolean; refused: boolean; loading_by: string | null }>(
      `SELECT loaded, roster_refused_at IS NOT NULL AS refused, loading_by FROM tasks WHERE task_id = $1`,
      [s.taskId],
    );
    expect(task).toEqual({ loaded: true, refused: true, loading_by: null });
    expect(events.callsOf(s.taskId)).toEqual([]);
    // a cancel after it changes nothing that was settled
    expect(await bus.request(DialerTaskCancel, { tenantId: s.tenantId, taskId: s.taskId, total: 3 })).toMatchObject({ ok: true });
    await new Promise((r) => setTimeout(r, 300));
    expect(events.drained.filter((d) => d.taskId === s.taskId)).toHaveLength(1);
  });
});
