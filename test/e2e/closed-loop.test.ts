/**
 * music-metadata (the recording service) exports only import / module-sync conditions.
 * @jest-environment-options {"customExportConditions": ["node", "node-addons", "module-sync"]}
 */
import { eventually } from '@autocall/testing';
import { OUTCOME_BY_DIGIT as TABLE } from '../../services/dialer/test/outcome-table';
import { allPages, call, e164, newTenant, OPEN_DIALING, rosterRows, simCallsPerNumber, startPlatform, uploadRecording, uploadRoster, type Platform } from './platform';

/**
 * Issue 6's end-to-end test, through the gateway over real HTTP with every service running
 * in-process and the simulated carrier at SIM_TIME_SCALE=0: a tenant uploads a recording and a
 * roster of numbers ending in 0–9, creates an immediate task with both SMS kinds, and the task
 * completes with the outcomes of ARCHITECTURE.md's simulated-carrier table, each number called as
 * often as the retry rules say, and exactly the follow-up SMS the rules call for.
 */
let p: Platform;
beforeAll(async () => {
  p = await startPlatform({ dialerEnv: { SIM_TIME_SCALE: '0' } });
}, 40_000);
afterAll(async () => {
  await p?.close();
});

const digitOf = (phone: string) => phone.charAt(phone.length - 1);

/** A tenant with a recording, a ready roster of ten numbers (87630021320…29), both templates approved and an active simulated SMS account. */
async function world(firstNumber: number) {
  const tenant = await newTenant(p.url);
  const { auth } = tenant;
  const recording = await uploadRecording(p.url, auth);
  expect([recording.status, recording.body.status]).toEqual([201, 'ready']);

  const rows = rosterRows(firstNumber, 10);
  const roster = await uploadRoster(p.url, auth, rows);
  expect(roster.status).toBe(201);
  expect(roster.body).toMatchObject({ status: 'ready', counts: { totalRows: 10, valid: 10, invalid: 0, duplicate: 0 } });

  const template = async (name: string, content: string) => {
    const res = await call(p.url, 'POST', '/v1/sms-templates', { headers: auth, json: { name, content } });
    expect([res.status, res.body.status]).toEqual([201, 'approved']);
    return res.body.id as string;
  };
  const disconnect = await template('Thanks', 'Thanks {{name}}, order {{Order Id}} is on its way.');
  const unanswered = await template('Missed', 'Sorry we missed you {{name}}, about order {{Order Id}}.');
  const account = await call(p.url, 'PUT', '/v1/sms-account', { headers: auth, json: { provider: 'simulated', senderId: 'AUTOCALL', status: 'active' } });
  expect([account.status, account.body.status]).toEqual([200, 'active']);

  /** Expected per phone (E.164): the roster row it came from. */
  const byPhone = new Map(rows.map((r) => [e164(r.phone), r]));
  const createTask = async (dialing: Record<string, unknown>) => {
    const res = await call(p.url, 'POST', '/v1/tasks', {
      headers: auth,
      json: {
        name: 'Closed loop',
        recordingId: recording.body.id,
        rosterId: roster.body.id,
        start: { mode: 'immediate' },
        sms: { onDisconnect: { enabled: true, templateId: disconnect, when: 'anyAnswered' }, onUnanswered: { enabled: true, templateId: unanswered } },
        dialing: { ...OPEN_DIALING, ...dialing },
      },
    });
    expect([res.status, res.text]).toEqual([201, expect.any(String)]);
    expect(res.body).toMatchObject({ status: 'running', progress: { total: 10 } });
    return res.body.id as string;
  };
  return { auth, byPhone, createTask, recordingId: recording.body.id as string };
}

async function completed(auth: Record<string, string>, taskId: string) {
  return eventually(
    async () => {
      const res = await call(p.url, 'GET', `/v1/tasks/${taskId}`, { headers: auth });
      return res.body.status === 'completed' ? res.body : undefined;
    },
    20_000,
    100,
  );
}

/** Every SMS of the task, once their sending settled (none still queued). */
async function settledSms(auth: Record<string, string>, taskId: string, count: number) {
  return eventually(
    async () => {
      const items = await allPages(p.url, auth, `/v1/sms-messages?taskId=${taskId}`);
      return items.length === count && items.every((m) => m.status !== 'queued') ? items : undefined;
    },
    15_000,
    100,
  );
}

it('when an immediate task with both SMS kinds runs against the simulated carrier, then it completes per the outcome table, each number called once, with the right SMS for each', async () => {
  const w = await world(87630021320);
  const taskId = await w.createTask({ maxAttempts: 1 });
  const task = await completed(w.auth, taskId);
  expect(task.progress).toMatchObject({ total: 10, pending: 0, answered: 5, noAnswer: 2, busy: 1, unavailable: 1, failed: 1, cancelled: 0, percent: 100 });
  expect(task.completedAt).not.toBeNull();

  // Every number called exactly once: the simulated carrier's own record.
  const calls = await simCallsPerNumber(taskId);
  expect(Object.fromEntries(calls)).toEqual(Object.fromEntries([...w.byPhone.keys()].map((phone) => [phone, 1])));

  // SMS: answered → disconnect; no_answer/busy/unavailable → unanswered; failed → none. Rendered with the roster's row.
  const sms = await settledSms(w.auth, taskId, 9);
  const kindOf = new Map(sms.map((m) => [m.phone, m.kind]));
  expect(sms.map((m) => m.phone).sort()).toEqual([...new Set(sms.map((m) => m.phone))].sort()); // one per number
  for (const [phone, row] of w.byPhone) {
    const d = digitOf(phone);
    const expected = TABLE[d][0] === 'answered' ? 'disconnect' : TABLE[d][0] === 'failed' ? undefined : 'unanswered';
    expect([phone, kindOf.get(phone)]).toEqual([phone, expected]);
    const msg = sms.find((m) => m.phone === phone);
    if (!msg) continue;
    expect(msg).toMatchObject({ taskId, status: 'sent', failureReason: null });
    expect(msg.text).toBe(expected === 'disconnect' ? `Thanks ${row.name}, order ${row.orderId} is on its way.` : `Sorry we missed you ${row.name}, about order ${row.orderId}.`);
  }
  await eventually(async () => (await call(p.url, 'GET', `/v1/tasks/${taskId}`, { headers: w.auth })).body.progress.smsSent === 9, 10_000);

  // The call records through the dialer's public route, with each number's SMS once it is known.
  const records = await eventually(async () => {
    const items = await allPages(p.url, w.auth, `/v1/tasks/${taskId}/calls`, 3);
    return items.length === 10 && items.every((c) => TABLE[digitOf(c.phone)][0] === 'failed' || c.sms?.status === 'sent') ? items : undefined;
  });
  for (const c of records) {
    const [outcome, hangupBy] = TABLE[digitOf(c.phone)];
    expect(c).toMatchObject({ attempt: 1, status: 'completed', outcome, hangupBy, sms: outcome === 'failed' ? null : { kind: kindOf.get(c.phone), status: 'sent' } });
    if (outcome === 'answered') expect(c.durationMs).toBeGreaterThan(0);
    else expect(c.durationMs).toBe(0);
  }
  const busy = await call(p.url, 'GET', `/v1/tasks/${taskId}/calls?outcome=busy`, { headers: w.auth });
  expect(busy.body.items.map((c: any) => c.phone)).toEqual([e164('87630021326')]);

  // The report: one row per number with its outcome and SMS.
  const report = await call(p.url, 'GET', `/v1/tasks/${taskId}/report?format=csv`, { headers: w.auth });
  expect(report.status).toBe(200);
  expect(String(report.headers['content-type'])).toContain('text/csv');
  const lines = report.text.trim().split(/\r?\n/);
  expect(lines[0]).toContain('Phone Number');
  expect(lines).toHaveLength(11);
  for (const [phone, row] of w.byPhone) {
    const line = lines.find((l) => l.includes(phone));
    expect(line).toBeDefined();
    expect(line).toContain(row.name);
    expect(line).toContain(`,${TABLE[digitOf(phone)][0]},`);
  }
  const xlsx = await call(p.url, 'GET', `/v1/tasks/${taskId}/report?format=xlsx`, { headers: w.auth });
  expect([xlsx.status, xlsx.text.slice(0, 2)]).toEqual([200, 'PK']);

  // Another tenant: the task, its calls and its report are not there.
  const other = await newTenant(p.url);
  for (const path of [`/v1/tasks/${taskId}`, `/v1/tasks/${taskId}/calls`, `/v1/tasks/${taskId}/report?format=csv`]) {
    const res = await call(p.url, 'GET', path, { headers: other.auth });
    expect([path, res.status]).toEqual([path, 404]);
  }
  expect((await call(p.url, 'GET', `/v1/sms-messages?taskId=${taskId}`, { headers: other.auth })).body.items).toEqual([]);
}, 50_000);

it('when maxAttempts is 2 with no retry delay, then unanswered numbers are called twice, digit 8 answers the second time and gets a disconnect SMS only', async () => {
  const w = await world(87630021330);
  const taskId = await w.createTask({ maxAttempts: 2, retryDelayMinutes: 0 });
  const task = await completed(w.auth, taskId);
  expect(task.progress).toMatchObject({ total: 10, pending: 0, answered: 6, noAnswer: 1, busy: 1, unavailable: 1, failed: 1, cancelled: 0, percent: 100 });

  // Retried: no_answer, busy, unavailable (5, 6, 7, and 8's first try); never answered or failed numbers.
  const calls = await simCallsPerNumber(taskId);
  const expectedCalls = (phone: string) => (['5', '6', '7', '8'].includes(digitOf(phone)) ? 2 : 1);
  expect(Object.fromEntries(calls)).toEqual(Object.fromEntries([...w.byPhone.keys()].map((phone) => [phone, expectedCalls(phone)])));

  const sms = await settledSms(w.auth, taskId, 9);
  const eight = e164('87630021338');
  expect(sms.filter((m) => m.phone === eight).map((m) => [m.kind, m.status])).toEqual([['disconnect', 'sent']]);
  expect(sms.filter((m) => m.kind === 'unanswered').map((m) => digitOf(m.phone)).sort()).toEqual(['5', '6', '7']);
  expect(sms.filter((m) => m.kind === 'disconnect').map((m) => digitOf(m.phone)).sort()).toEqual(['0', '1', '2', '3', '4', '8']);
  expect(sms.find((m) => m.phone === eight)?.text).toBe(`Thanks ${w.byPhone.get(eight)!.name}, order ${w.byPhone.get(eight)!.orderId} is on its way.`);

  // Both attempts of digit 8 are in the call records: no answer first, then answered.
  const eightCalls = (await allPages(p.url, w.auth, `/v1/tasks/${taskId}/calls`)).filter((c) => c.phone === eight).sort((a, b) => a.attempt - b.attempt);
  expect(eightCalls.map((c) => [c.attempt, c.outcome])).toEqual([
    [1, 'no_answer'],
    [2, 'answered'],
  ]);
  const report = await call(p.url, 'GET', `/v1/tasks/${taskId}/report?format=csv`, { headers: w.auth });
  expect(report.text.split(/\r?\n/).find((l) => l.includes(eight))).toMatch(/,answered,system,2,/);
}, 50_000);

it('when a recording is used by a task, then through the gateway it is listed, renamed, downloaded in ranges and can be deleted only once the task is done', async () => {
  const w = await world(87630021340);
  const path = `/v1/recordings/${w.recordingId}`;
  const listed = await call(p.url, 'GET', '/v1/recordings?pageSize=5', { headers: w.auth });
  expect(listed.body).toMatchObject({ total: 1, items: [{ id: w.recordingId, status: 'ready' }] });
  const renamed = await call(p.url, 'PATCH', path, { headers: w.auth, json: { name: 'Spring promo' } });
  expect([renamed.status, renamed.body.name]).toEqual([200, 'Spring promo']);

  const whole = await fetch(`${p.url}${path}/audio`, { headers: w.auth });
  const bytes = Buffer.from(await whole.arrayBuffer());
  expect([whole.status, whole.headers.get('content-type'), whole.headers.get('accept-ranges')]).toEqual([200, 'audio/mpeg', 'bytes']);
  const part = await fetch(`${p.url}${path}/audio`, { headers: { ...w.auth, range: 'bytes=100-199' } });
  expect([part.status, part.headers.get('content-range')]).toEqual([206, `bytes 100-199/${bytes.length}`]);
  expect(Buffer.from(await part.arrayBuffer()).equals(bytes.subarray(100, 200))).toBe(true);
  const beyond = await fetch(`${p.url}${path}/audio`, { headers: { ...w.auth, range: `bytes=${bytes.length}-` } });
  expect([beyond.status, beyond.headers.get('content-range')]).toEqual([416, `bytes */${bytes.length}`]);
  await beyond.arrayBuffer();

  const taskId = await w.createTask({ maxAttempts: 1 });
  const inUse = await call(p.url, 'DELETE', path, { headers: w.auth });
  expect([inUse.status, inUse.body?.code]).toEqual([409, 'RECORDING_IN_USE']);
  await completed(w.auth, taskId);
  await eventually(async () => (await call(p.url, 'DELETE', path, { headers: w.auth })).status === 204, 10_000, 100); // released when the task completed
  expect((await call(p.url, 'GET', path, { headers: w.auth })).status).toBe(404);
}, 50_000);
