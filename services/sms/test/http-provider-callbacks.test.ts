/**
 * The http provider's loop (issue 17): a provider on a local port takes each send and then posts
 * its delivery receipt and a reply to the account's callback URL (the sms service listening as it
 * does behind the gateway), signed or unsigned, each twice: stored once.
 */
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Bus } from '@autocall/bus';
import { asTenant, connectTestBus, eventually, newTenantId, TEST_INTERNAL_TOKEN } from '@autocall/testing';
import { callCompleted, createTemplate, deleteTestQueues, messagesOf, publishCall, publishTask, putAccount, startSms, taskSnapshot, type Sms } from './helpers';

let sms: Sms;
let bus: Bus;
let smsUrl = '';
let server: Server;
let providerUrl = '';
/** callback URL path and secret (or none) per sender id the fake provider sees */
const accounts = new Map<string, { path: string; secret?: string }>();

/** POSTs a callback as a provider would (through the gateway it arrives with the internal headers only). */
async function callback(path: string, body: unknown, secret?: string): Promise<number> {
  const raw = JSON.stringify(body);
  const headers: Record<string, string> = { 'content-type': 'application/json', 'x-internal-token': TEST_INTERNAL_TOKEN };
  if (secret) headers['x-signature'] = `sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`;
  return (await fetch(`${smsUrl}${path}`, { method: 'POST', headers, body: raw })).status;
}

beforeAll(async () => {
  server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      const sms = JSON.parse(raw) as { to: string; from: string; messageId: string };
      res.writeHead(202).end();
      const account = accounts.get(sms.from);
      if (!account) return;
      // after accepting: the receipt and a reply, each posted twice (providers retry)
      void (async () => {
        for (let i = 0; i < 2; i++) await callback(`${account.path}/delivery`, { messageId: sms.messageId, status: sms.to.endsWith('7') ? 'undelivered' : 'delivered', errorCode: sms.to.endsWith('7') ? 'EC_ABSENT' : undefined }, account.secret);
        // the person reads it and answers a little later (a reply is matched to an SMS that was sent)
        await new Promise((r) => setTimeout(r, 500));
        for (let i = 0; i < 2; i++) await callback(`${account.path}/inbound`, { id: `in-${sms.messageId}`, from: sms.to, to: sms.from, text: 'YA' }, account.secret);
      })();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  providerUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/send`;
  sms = await startSms({ SMS_PROVIDER_ALLOW_PRIVATE: 'true' });
  await sms.app.listen({ port: 0, host: '127.0.0.1' });
  smsUrl = `http://127.0.0.1:${(sms.app.server.address() as AddressInfo).port}`;
  bus = await connectTestBus('smstest-http-cb');
});
afterAll(async () => {
  await sms?.close();
  await bus?.close();
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
  await deleteTestQueues();
});

describe('the http provider posting receipts and replies', () => {
  it.each([
    ['unsigned', undefined, '+6281100002221'],
    ['signed', 'provider-callback-secret-01', '+6281100002222'],
  ])('when the provider posts %s receipts and replies twice, then each is stored once: delivered/undelivered and one reply per message, matched to its task', async (_how, secret, senderId) => {
    const tenantId = newTenantId();
    const res = await putAccount(sms, tenantId, { provider: 'http', senderId, status: 'active', settings: { url: providerUrl, ...(secret ? { callbackSecret: secret } : {}) } });
    accounts.set(senderId, { path: new URL(res.json<{ callbackUrl: string }>().callbackUrl).pathname, secret });
    const templateId = await createTemplate(sms, tenantId, 'Reply with 1 for more information.');
    const task = taskSnapshot({ tenantId, unanswered: { templateId } });
    await publishTask(bus, task);
    await eventually(async () => ((await sms.deps.db.query(`SELECT 1 FROM tasks WHERE task_id = $1`, [task.taskId])) as unknown[]).length > 0);
    await publishCall(bus, callCompleted(task, { phone: '+6281200000081', outcome: 'busy' }));
    await publishCall(bus, callCompleted(task, { phone: '+6281200000087', outcome: 'busy' }));
    const items = await eventually(async () => {
      const all = await messagesOf(sms, tenantId, task.taskId);
      return all.length === 2 && all.every((m) => m.status === 'delivered' || m.status === 'undelivered') ? all : undefined;
    }, 15_000);
    expect(items.map((m) => [m.phone, m.status, m.deliveryError]).sort()).toEqual([
      ['+6281200000081', 'delivered', null],
      ['+6281200000087', 'undelivered', 'EC_ABSENT'],
    ]);
    const replies = await eventually(async () => {
      const r = await sms.app.inject({ method: 'GET', url: `/v1/sms-inbound?taskId=${task.taskId}`, headers: asTenant(tenantId) });
      const list = r.json<{ items: { from: string; text: string; messageId: string }[] }>().items;
      return list.length === 2 ? list : undefined;
    });
    await new Promise((r) => setTimeout(r, 300)); // the repeats have arrived by now
    const again = await sms.app.inject({ method: 'GET', url: `/v1/sms-inbound?taskId=${task.taskId}`, headers: asTenant(tenantId) });
    expect(again.json<{ items: unknown[] }>().items).toHaveLength(2);
    expect(replies.map((r) => [r.from, r.text]).sort()).toEqual([
      ['+6281200000081', 'YA'],
      ['+6281200000087', 'YA'],
    ]);
    const receipts = (await sms.deps.db.query(`SELECT count(*)::int AS n FROM delivery_receipts WHERE tenant_id = $1`, [tenantId])) as { n: number }[];
    expect(receipts[0].n).toBe(2);
  });
});
