import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CallCompleted, SmsFailed, SmsSent, TaskCreated, type CallCompletedT } from '@autocall/contracts';
import { on, type Bus } from '@autocall/bus';
import { connectTestBus, eventually, newTenantId, sql, TEST_INTERNAL_TOKEN, testDatabaseUrl } from '@autocall/testing';
import { brokerUrl, callCompleted, deleteTestQueues, taskSnapshot, testQueuePrefix } from './helpers';

const root = join(__dirname, '..', '..', '..');
const prefix = testQueuePrefix();
const eventsQueue = `smstest.crash-events.${randomUUID()}`;
const dbUrl = testDatabaseUrl();
let port = 0;
let child: ChildProcess | undefined;
let output = '';
let bus: Bus;
const SEND_CONCURRENCY = 16;

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const p = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return p;
}

/** The sms service as its own process, as deployed: `node services/sms/dist/main.js`. */
async function startChild(): Promise<ChildProcess> {
  const proc = spawn(process.execPath, [join(root, 'services/sms/dist/main.js')], {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      DATABASE_URL: dbUrl,
      AMQP_URL: brokerUrl(),
      INTERNAL_TOKEN: TEST_INTERNAL_TOKEN,
      SMS_PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      LOG_FORMAT: 'json',
      SMS_QUEUE_PREFIX: prefix,
      SMS_SIM_SEND_MS: '3',
      SMS_SEND_CONCURRENCY: String(SEND_CONCURRENCY),
      SMS_SEND_LEASE_MS: '2000',
      SMS_SEND_IN_DOUBT_MS: '1000', // what a kill left unsettled is sent again 3 s after its claim
      SMS_SENDER_INTERVAL_MS: '100',
      SMS_CONSUMER_RETRY_BASE_MS: '100',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  proc.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  await eventually(async () => (await fetch(`http://127.0.0.1:${port}/ready`)).status === 200, 20_000, 100);
  return proc;
}

async function kill(proc: ChildProcess) {
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGKILL');
  await exited;
}

const api = (method: string, path: string, tenantId: string, body?: unknown) =>
  fetch(`http://127.0.0.1:${port}${path}`, {
    method,
    headers: { 'x-internal-token': TEST_INTERNAL_TOKEN, 'x-autocall-tenant-id': tenantId, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });

beforeAll(async () => {
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: 'pipe' });
  port = await freePort();
  bus = await connectTestBus('smstest-crash');
}, 60_000);

afterAll(async () => {
  if (child && child.exitCode === null) await kill(child);
  await bus?.close();
  await deleteTestQueues([prefix], [eventsQueue]);
});

/** The simulated carrier's outcome by last digit (ARCHITECTURE.md); 8 answers on its second attempt. */
function callsFor(task: ReturnType<typeof taskSnapshot>, phone: string): CallCompletedT[] {
  const d = Number(phone.at(-1));
  const call = (o: Partial<CallCompletedT> & Pick<CallCompletedT, 'outcome'>) => callCompleted(task, { phone, name: `N${phone.slice(-4)}`, ...o });
  if (d <= 2) return [call({ outcome: 'answered', hangupBy: 'callee' })];
  if (d <= 4) return [call({ outcome: 'answered', hangupBy: 'system' })];
  if (d === 5) return [call({ outcome: 'no_answer' })];
  if (d === 6) return [call({ outcome: 'busy' })];
  if (d === 7) return [call({ outcome: 'unavailable' })];
  if (d === 8) return [call({ outcome: 'no_answer', final: false }), call({ outcome: 'answered', attempt: 2, hangupBy: 'callee' })];
  return [call({ outcome: 'failed', failureReason: 'carrier error' })];
}
const expectedKind = (phone: string) => {
  const d = Number(phone.at(-1));
  return d <= 4 || d === 8 ? 'disconnect' : d <= 7 ? 'unanswered' : null;
};

describe('sms service crash (a real process, SIGKILL)', () => {
  it('when the service is killed while consuming a burst of call.completed and restarted, then every expected SMS exists exactly once, sent once', async () => {
    const events: { messageId: string; status: string }[] = [];
    child = await startChild();
    const tenantId = newTenantId();
    expect((await api('PUT', '/v1/sms-account', tenantId, { provider: 'simulated', senderId: 'CRASH', status: 'active' })).status).toBe(200);
    const disconnect = (await (await api('POST', '/v1/sms-templates', tenantId, { name: 'D', content: 'Thanks {{name}}' })).json()) as { id: string };
    const unanswered = (await (await api('POST', '/v1/sms-templates', tenantId, { name: 'U', content: 'Missed you {{name}}' })).json()) as { id: string };
    const task = taskSnapshot({ tenantId, name: 'Crash Test', disconnect: { templateId: disconnect.id }, unanswered: { templateId: unanswered.id } });
    await bus.subscribe(eventsQueue, [SmsSent, SmsFailed].map((c) => on(c, async (p) => void (p.taskId === task.taskId && events.push({ messageId: p.messageId, status: p.status })))));
    await bus.publish(TaskCreated, task);
    await eventually(async () => (await sql(`SELECT 1 FROM sms.tasks WHERE task_id = $1`, [task.taskId], dbUrl)).length > 0).catch((err: Error) => {
      throw new Error(`${err.message}; service output:\n${output}`);
    });

    const phones = Array.from({ length: 1500 }, (_, i) => `+62813${String(i).padStart(7, '0')}`);
    const expected = phones.filter((p) => expectedKind(p)).map((p) => `${p}:${expectedKind(p)}`).sort();
    const calls = phones.flatMap((p) => callsFor(task, p));
    const count = async () => Number((await sql<{ n: string }>(`SELECT count(*) AS n FROM sms.messages WHERE task_id = $1`, [task.taskId], dbUrl))[0].n);

    // a burst, kill #1 while it is being consumed
    const publishing = (async () => {
      for (let i = 0; i < calls.length; i += 100) await Promise.all(calls.slice(i, i + 100).map((c) => bus.publish(CallCompleted, c)));
    })();
    const atKill1 = await eventually(async () => {
      const n = await count();
      return n >= 100 ? n : undefined;
    }, 30_000, 5);
    await kill(child);
    await publishing;
    expect(atKill1).toBeLessThan(expected.length); // the kill came mid-burst

    // restart; kill #2 while it catches up (consuming the rest and sending)
    child = await startChild();
    const atKill2 = await eventually(async () => {
      const n = await count();
      return n > atKill1 + 50 || n === expected.length ? n : undefined;
    }, 30_000, 5);
    // taken by the provider: sent, and later delivered or undelivered by the simulated receipts (SMS_SIM_DLR_MS)
    const sentAtKill2 = Number((await sql<{ n: string }>(`SELECT count(*) AS n FROM sms.messages WHERE task_id = $1 AND status IN ('sent', 'delivered', 'undelivered')`, [task.taskId], dbUrl))[0].n);
    await kill(child);

    child = await startChild();
    const restarted = Date.now();
    await eventually(
      async () => {
        const rows = await sql<{ n: string }>(`SELECT count(*) FILTER (WHERE status IN ('sent', 'delivered', 'undelivered')) AS n FROM sms.messages WHERE task_id = $1`, [task.taskId], dbUrl);
        return Number(rows[0].n) === expected.length;
      },
      60_000,
      100,
    );
    const catchUpMs = Date.now() - restarted;
    await sleep(500); // anything still arriving would be a duplicate

    const messages = await sql<{ id: string; phone: string; kind: string; status: string; attempts: number }>(
      `SELECT id, phone, kind, status, attempts FROM sms.messages WHERE task_id = $1`,
      [task.taskId],
      dbUrl,
    );
    expect(messages.map((m) => `${m.phone}:${m.kind}`).sort()).toEqual(expected);
    expect(messages.filter((m) => !['sent', 'delivered', 'undelivered'].includes(m.status))).toEqual([]);
    const sends = await sql<{ message_id: string; phone: string; kind: string; requests: number }>(
      `SELECT message_id, phone, kind, requests FROM sms.simulated_outbox WHERE task_id = $1`,
      [task.taskId],
      dbUrl,
    );
    expect(sends.map((s) => `${s.phone}:${s.kind}`).sort()).toEqual(expected);
    expect(new Set(sends.map((s) => s.message_id))).toEqual(new Set(messages.map((m) => m.id)));
    // Only a message in flight at a kill can be handed to the provider twice (same message id, so
    // the provider keeps one): at most SMS_SEND_CONCURRENCY per kill.
    const repeated = sends.filter((s) => s.requests > 1).length;
    expect(repeated).toBeLessThanOrEqual(2 * SEND_CONCURRENCY);
    await eventually(() => new Set(events.map((e) => e.messageId)).size === expected.length, 20_000);
    expect(events.every((e) => e.status === 'sent')).toBe(true);
    console.log(
      `crash test: ${calls.length} call.completed, ${expected.length} SMS expected; kill #1 at ${atKill1} messages, kill #2 at ${atKill2} (${sentAtKill2} sent); ` +
        `after restart ${messages.length} messages, ${sends.length} provider records, ${repeated} re-sent once to the provider (deduplicated by message id), ${events.length} sms.sent events (${new Set(events.map((e) => e.messageId)).size} distinct); ` +
        `last restart to all sent: ${catchUpMs} ms`,
    );
  }, 180_000);
});
