/**
 * The sms service SIGKILLed while providers post receipts and replies (issue 17): every callback
 * that was answered 204 is kept, because the answer goes only after the commit. Needs `pnpm build`.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { newTenantId, sql, TEST_INTERNAL_TOKEN, testDatabaseUrl } from '@autocall/testing';
import { brokerUrl, deleteTestQueues, testQueuePrefix } from './helpers';
import { freePort, SmsProcess } from './process';

const prefix = testQueuePrefix();
let sms: SmsProcess;

beforeAll(async () => {
  sms = await new SmsProcess(await freePort(), { DATABASE_URL: testDatabaseUrl(), AMQP_URL: brokerUrl(), SMS_QUEUE_PREFIX: prefix, SMS_SIM_DLR_MS: '3600000' }).start();
}, 60_000);
afterAll(async () => {
  await sms?.kill();
  await deleteTestQueues([prefix]);
});

const post = (token: string, what: string, body: unknown) =>
  fetch(`${sms.url}/v1/sms-callbacks/${token}/${what}`, {
    method: 'POST',
    headers: { 'x-internal-token': TEST_INTERNAL_TOKEN, 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(5000),
  }).then(
    (r) => r.status,
    () => 0, // the process died under it: no answer
  );

describe('callbacks through a crash', () => {
  it('when the sms service is SIGKILLed while receipts and replies arrive, then every one answered 204 is stored (and once)', async () => {
    const tenantId = newTenantId();
    const put = await sms.api('PUT', '/v1/sms-account', tenantId, { provider: 'simulated', senderId: '+6281100001111', status: 'active' });
    const token = ((await put.json()) as { callbackUrl: string }).callbackUrl.split('/').pop()!;
    const taskId = randomUUID();
    const ids = Array.from({ length: 400 }, () => randomUUID());
    await sql(
      `INSERT INTO sms.messages (id, tenant_id, task_id, phone, kind, status, text, segments, sent_at)
       SELECT id, $2, $3, '+62812' || lpad((row_number() OVER ())::text, 7, '0'), 'disconnect', 'sent', 'Thanks', 1, now() FROM unnest($1::uuid[]) AS id`,
      [ids, tenantId, taskId],
    );
    const acked = { receipts: new Set<string>(), replies: new Set<string>() };
    let stop = false;
    const senders = Array.from({ length: 8 }, async (_, w) => {
      for (let i = w; !stop && i < ids.length; i += 8) {
        if ((await post(token, 'delivery', { messageId: ids[i], status: 'delivered' })) === 204) acked.receipts.add(ids[i]);
        if ((await post(token, 'inbound', { id: `r-${i}`, from: `+62813${String(i).padStart(7, '0')}`, text: i % 5 === 0 ? 'UNREG' : `reply ${i}` })) === 204) acked.replies.add(`r-${i}`);
        if (i > 80 && !sms.proc?.killed && w === 0 && i < 100) void sms.kill();
      }
    });
    // wait for the kill, then bring the service back while the senders go on
    while (sms.proc && sms.proc.exitCode === null && sms.proc.signalCode === null) await sleep(20);
    await sms.start();
    await sleep(1500);
    stop = true;
    await Promise.all(senders);
    expect(acked.receipts.size).toBeGreaterThan(0);
    const delivered = await sql<{ id: string }>(`SELECT id FROM sms.messages WHERE task_id = $1 AND status = 'delivered'`, [taskId]);
    const kept = new Set(delivered.map((r) => r.id));
    expect([...acked.receipts].filter((id) => !kept.has(id))).toEqual([]);
    const replies = await sql<{ provider_id: string; n: number }>(`SELECT provider_id, count(*)::int AS n FROM sms.inbound_messages WHERE tenant_id = $1 GROUP BY 1`, [tenantId]);
    const stored = new Map(replies.map((r) => [r.provider_id, r.n]));
    expect([...acked.replies].filter((id) => !stored.has(id))).toEqual([]);
    expect(replies.every((r) => r.n === 1)).toBe(true);
    // each opt-out answered 204 is blocked for SMS
    const optOuts = await sql<{ n: number }>(`SELECT count(*)::int AS n FROM sms.opt_outs WHERE tenant_id = $1`, [tenantId]);
    expect(optOuts[0].n).toBeGreaterThanOrEqual([...acked.replies].filter((id) => Number(id.slice(2)) % 5 === 0).length);
  }, 90_000);
});
