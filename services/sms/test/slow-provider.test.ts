import { execFileSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import type { Bus } from '@autocall/bus';
import { connectTestBus, eventually, newTenantId, sql, testDatabaseUrl } from '@autocall/testing';
import { CountingProvider } from './counting-provider';
import { brokerUrl, callCompleted, deleteTestQueues, publishCall, publishTask, taskSnapshot, testQueuePrefix } from './helpers';
import { freePort, root, SmsProcess } from './process';

/**
 * Issue 11 item 8(b): two sms processes share the work; the provider answers just under the provider
 * timeout (950 ms of 1000 ms: a third of the 3 s lease), and the senders are held up between their
 * claim and the send (the accounts table locked by the test, as a slow database would). No two
 * requests for one message may be open at the same time, and every request carries its message id
 * as Idempotency-Key.
 */
const LEASE_MS = 3000;
const prefix = testQueuePrefix();
const dbUrl = testDatabaseUrl();
const provider = new CountingProvider();
const replicas: SmsProcess[] = [];
let bus: Bus;

beforeAll(async () => {
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: 'pipe' });
  await provider.start();
  bus = await connectTestBus('smstest-slow');
  const env = {
    DATABASE_URL: dbUrl,
    AMQP_URL: brokerUrl(),
    SMS_QUEUE_PREFIX: prefix,
    SMS_PROVIDER_ALLOW_PRIVATE: 'true',
    SMS_SEND_LEASE_MS: String(LEASE_MS),
    SMS_SEND_RETRY_BASE_MS: '1500',
    SMS_SENDER_INTERVAL_MS: '50',
  };
  for (let i = 0; i < 2; i++) replicas.push(await new SmsProcess(await freePort(), env).start());
}, 60_000);

afterAll(async () => {
  for (const r of replicas) await r.kill();
  await bus?.close();
  await provider.stop();
  await deleteTestQueues([prefix]);
});

it('when the provider answers just under its timeout and the senders are slowed between claim and send, then no two requests for one message overlap and all carry its id as Idempotency-Key', async () => {
  const [a] = replicas;
  const tenantId = newTenantId();
  const put = await a.api('PUT', '/v1/sms-account', tenantId, { provider: 'http', senderId: 'SLOW', status: 'active', settings: { url: provider.url, timeoutMs: LEASE_MS / 3 } });
  expect(put.status).toBe(200);
  const template = (await (await a.api('POST', '/v1/sms-templates', tenantId, { name: 'T', content: 'Hi {{name}}' })).json()) as { id: string };
  const task = taskSnapshot({ tenantId, disconnect: { templateId: template.id } });
  // first request of each message: 503 at once (it is due again 1.5 s later); then 200 after 950 ms
  const seen = new Set<string>();
  provider.answer = (r) => {
    if (!seen.has(r.messageId)) {
      seen.add(r.messageId);
      return { status: 503 };
    }
    return { status: 200, delayMs: LEASE_MS / 3 - 50 };
  };
  await publishTask(bus, task);
  await eventually(async () => (await sql(`SELECT 1 FROM sms.tasks WHERE task_id = $1`, [task.taskId], dbUrl)).length > 0);
  const phones = Array.from({ length: 20 }, (_, i) => `+62813660000${String(i).padStart(2, '0')}`);
  for (const phone of phones) await publishCall(bus, callCompleted(task, { phone, outcome: 'answered' }));

  const rows = () => sql<{ id: string; status: string; attempts: number }>(`SELECT id, status, attempts FROM sms.messages WHERE task_id = $1`, [task.taskId], dbUrl);
  // every message failed once and waits for its retry: lock the accounts table (a slow database)
  await eventually(async () => (await rows()).length === phones.length && seen.size === phones.length && provider.requests.every((r) => r.end !== undefined), 15_000, 20);
  const locker = new Client({ connectionString: dbUrl });
  await locker.connect();
  try {
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE sms.accounts IN ACCESS EXCLUSIVE MODE');
    // retries are claimed (attempts 2): their sender now waits for the account, well past a third of the lease
    await eventually(async () => (await rows()).some((m) => m.attempts >= 2), 10_000, 20);
    await sleep(LEASE_MS - 700);
    await locker.query('COMMIT');
  } finally {
    await locker.end();
  }

  await eventually(async () => (await rows()).every((m) => m.status === 'sent'), 30_000, 100);
  await sleep(LEASE_MS); // a second send would come once a lease lapsed
  const messages = await rows();
  const overlaps = provider.overlaps();
  const counts = provider.counts();
  console.log(
    `slow provider: ${messages.length} messages, ${provider.requests.length} provider requests, ` +
      `${[...counts.values()].filter((n) => n > 2).length} messages requested more than twice, ${overlaps.length} overlapping pairs`,
  );
  expect(overlaps.map(([x, y]) => `${x.messageId}: [${x.start}, ${x.end}] and [${y.start}, ${y.end}]`)).toEqual([]);
  for (const r of provider.requests) expect(r.idempotencyKey).toBe(r.messageId);
  expect(new Set(provider.requests.map((r) => r.messageId))).toEqual(new Set(messages.map((m) => m.id)));
  expect(messages.every((m) => m.status === 'sent')).toBe(true);
}, 90_000);
