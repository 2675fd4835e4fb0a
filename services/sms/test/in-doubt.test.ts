import { execFileSync } from 'node:child_process';
import type { Bus } from '@autocall/bus';
import { connectTestBus, eventually, newTenantId, sql, testDatabaseUrl } from '@autocall/testing';
import { CountingProvider } from './counting-provider';
import { brokerUrl, callCompleted, deleteTestQueues, publishCall, publishTask, taskSnapshot, testQueuePrefix } from './helpers';
import { PgProxy } from './pg-proxy';
import { freePort, root, SmsProcess } from './process';

/**
 * Issue 11 item 8, a database outage longer than the send lease with two sms processes, each
 * behind a TCP proxy to PostgreSQL. Each process (one send at a time) has a request open at a
 * provider that does not deduplicate when both proxies are cut; the provider then accepts both, and
 * neither process can settle. The leases lapse during the outage. B's database comes back first
 * (8 s), A's later (14 s): B must not claim and send again the message A holds the result of.
 * Every message reaches the provider exactly once.
 */
const LEASE_MS = 6000;
const prefix = testQueuePrefix();
const dbUrl = testDatabaseUrl();
const provider = new CountingProvider();
const proxies = [new PgProxy(), new PgProxy()];
const replicas: SmsProcess[] = [];
let bus: Bus;

beforeAll(async () => {
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: 'pipe' });
  await provider.start();
  bus = await connectTestBus('smstest-indoubt');
  for (const proxy of proxies) {
    await proxy.start();
    const env = {
      DATABASE_URL: proxy.url(),
      AMQP_URL: brokerUrl(),
      SMS_QUEUE_PREFIX: prefix,
      SMS_PROVIDER_ALLOW_PRIVATE: 'true',
      SMS_SEND_LEASE_MS: String(LEASE_MS),
      SMS_SEND_CONCURRENCY: '1',
      SMS_SEND_IN_DOUBT_MS: '60000', // above the outage: the holders' results count
      SMS_SENDER_INTERVAL_MS: '50',
    };
    replicas.push(await new SmsProcess(await freePort(), env).start());
  }
}, 60_000);

afterAll(async () => {
  for (const r of replicas) await r.kill();
  for (const p of proxies) await p.cut();
  await bus?.close();
  await provider.stop();
  await deleteTestQueues([prefix]);
});

it('when the database is cut for longer than the lease while both sms processes hold provider-accepted sends, then no message is sent again by the other process: each reaches the provider once', async () => {
  const [a] = replicas;
  const tenantId = newTenantId();
  const put = await a.api('PUT', '/v1/sms-account', tenantId, { provider: 'http', senderId: 'DOUBT', status: 'active', settings: { url: provider.url, timeoutMs: LEASE_MS / 3 } });
  expect(put.status).toBe(200);
  const template = (await (await a.api('POST', '/v1/sms-templates', tenantId, { name: 'T', content: 'Hi {{name}}' })).json()) as { id: string };
  const task = taskSnapshot({ tenantId, disconnect: { templateId: template.id } });
  await publishTask(bus, task);
  await eventually(async () => (await sql(`SELECT 1 FROM sms.tasks WHERE task_id = $1`, [task.taskId], dbUrl)).length > 0);

  // the first two requests (one per process: each sends one message at a time) wait until the database is cut
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  provider.answer = (r) => (provider.requests.indexOf(r) < 2 ? { status: 200, hold: released } : { status: 200 });
  const phones = Array.from({ length: 10 }, (_, i) => `+62813670000${String(i).padStart(2, '0')}`);
  for (const phone of phones) await publishCall(bus, callCompleted(task, { phone, outcome: 'answered' }));
  await eventually(() => provider.requests.length >= 2, 10_000, 5);
  const heldMs = Date.now() - provider.requests[0].start;
  // both must be answered well within the provider timeout (a timeout is a retryable failure, sent again by design)
  if (heldMs > LEASE_MS / 6) throw new Error(`setup: the two sends were ${heldMs} ms apart, too far to hold both within the provider timeout`);
  const cutAt = Date.now();
  await Promise.all(proxies.map((p) => p.cut()));
  release();
  await eventually(() => provider.requests.slice(0, 2).every((r) => r.end !== undefined), 5_000, 5);

  // the leases lapse during the outage; B's database returns first, A's well after
  await new Promise((r) => setTimeout(r, cutAt + LEASE_MS + 2000 - Date.now()));
  await proxies[1].restore();
  await new Promise((r) => setTimeout(r, cutAt + LEASE_MS + 8000 - Date.now()));
  await proxies[0].restore();

  const rows = () => sql<{ id: string; status: string }>(`SELECT id, status FROM sms.messages WHERE task_id = $1`, [task.taskId], dbUrl);
  await eventually(async () => {
    const messages = await rows();
    return messages.length === phones.length && messages.every((m) => m.status === 'sent');
  }, 20_000, 100).catch((err: Error) => {
    throw new Error(`${err.message}; sms output:\n${replicas.map((r) => r.output).join('\n')}`);
  });
  const messages = await rows();
  const counts = provider.counts();
  console.log(`in doubt: ${messages.length} messages, ${provider.requests.length} provider requests, ${[...counts.values()].filter((n) => n > 1).length} messages sent more than once`);
  expect(new Set(counts.keys())).toEqual(new Set(messages.map((m) => m.id)));
  expect([...counts].filter(([, n]) => n !== 1)).toEqual([]);
}, 60_000);
