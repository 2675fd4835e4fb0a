import { bearer, call, closeClient, createTenant, startGateway, startSms, type Gateway } from './helpers';

let sms: Awaited<ReturnType<typeof startSms>>;
let gw: Gateway;

beforeAll(async () => {
  sms = await startSms();
  gw = await startGateway({ SMS_URL: sms.url, SMS_CALLBACK_RATE_PER_TOKEN: '20', SMS_CALLBACK_RATE_PER_ADDRESS: '1000', RATE_LIMIT_PER_SECOND: '1000' });
});
afterAll(async () => {
  await gw?.close();
  await sms?.svc.close();
  await closeClient();
});

describe('SMS provider callbacks through the gateway', () => {
  it('when a provider posts to the callback URL without an API key, then it reaches the sms service; unknown tokens are 404, bodies over 64 KiB 413, a flood 429 per token', async () => {
    const tenant = await createTenant(gw.url);
    const key = bearer(tenant.apiKey);
    const put = await call(gw.url, 'PUT', '/v1/sms-account', { headers: key, json: { provider: 'simulated', senderId: '+6281100001111', status: 'active' } });
    expect(put.status).toBe(200);
    const path = new URL(put.body.callbackUrl as string).pathname;
    expect(path).toMatch(/^\/v1\/sms-callbacks\/[A-Za-z0-9_-]+$/);

    const reply = await call(gw.url, 'POST', `${path}/inbound`, { json: { id: 'gw-1', from: '081234567890', text: 'halo' } });
    expect(reply.status).toBe(204);
    const listed = await call(gw.url, 'GET', '/v1/sms-inbound', { headers: key });
    expect(listed.body.items.map((i: { from: string; text: string }) => [i.from, i.text])).toEqual([['+6281234567890', 'halo']]);
    // the service sees no tenant from the gateway: only the token names the account
    const other = await call(gw.url, 'GET', '/v1/sms-inbound', { headers: bearer((await createTenant(gw.url)).apiKey) });
    expect(other.body.items).toEqual([]);

    const unknown = await call(gw.url, 'POST', '/v1/sms-callbacks/not-a-token/delivery', { json: { messageId: '0190c1d2-0000-7000-8000-000000000000', status: 'delivered' } });
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('CALLBACK_NOT_FOUND');

    const big = await call(gw.url, 'POST', `${path}/inbound`, { json: { from: '081234567890', text: 'x'.repeat(10 * 1024 * 1024) } });
    expect(big.status).toBe(413);

    // 60 at once against 20 a second per token (fixed one-second windows): however long the burst
    // takes on a loaded machine, at most 20 per window it touched pass and the rest are 429
    const started = Date.now();
    const answers = await Promise.all(Array.from({ length: 60 }, async () => (await call(gw.url, 'POST', `${path}/delivery`, { json: { messageId: 'x', status: 'delivered' } })).status));
    const windows = Math.floor((Date.now() - started) / 1000) + 2;
    const passed = answers.filter((s) => s === 204).length;
    expect(passed).toBeLessThanOrEqual(20 * windows);
    expect(answers.filter((s) => s === 429).length).toBe(60 - passed);
    expect(answers.filter((s) => s === 429).length).toBeGreaterThanOrEqual(Math.max(0, 60 - 20 * windows));
    // another token is not held up by the first one's flood
    const rotated = await call(gw.url, 'POST', '/v1/sms-account/rotate-callback-token', { headers: key });
    expect(rotated.status).toBe(200);
    const fresh = new URL(rotated.body.callbackUrl as string).pathname;
    expect((await call(gw.url, 'POST', `${fresh}/delivery`, { json: { messageId: 'x', status: 'delivered' } })).status).toBe(204);
    expect((await call(gw.url, 'POST', `${path}/delivery`, { json: { messageId: 'x', status: 'delivered' } })).status).toBeGreaterThanOrEqual(404);
  });

  it('when a callback comes with an Idempotency-Key (and a stray API key), then it is answered as any callback — 404 for an unknown token, 204 for a known one — not kept as an idempotent answer', async () => {
    const tenant = await createTenant(gw.url);
    const key = bearer(tenant.apiKey);
    const put = await call(gw.url, 'PUT', '/v1/sms-account', { headers: key, json: { provider: 'simulated', senderId: '+6281100002222', status: 'active' } });
    const path = new URL(put.body.callbackUrl as string).pathname;
    const headers = { ...key, 'idempotency-key': 'k1' };
    const unknown = await call(gw.url, 'POST', '/v1/sms-callbacks/00000010-5c16-8933-bfff-fff879fef45d/delivery', { headers, json: { messageId: 'key\u0000key', status: 'delivered' } });
    expect([unknown.status, unknown.body.code]).toEqual([404, 'CALLBACK_NOT_FOUND']);
    const first = await call(gw.url, 'POST', `${path}/inbound`, { headers, json: { id: 'idem-1', from: '081234567890', text: 'satu' } });
    const second = await call(gw.url, 'POST', `${path}/inbound`, { headers, json: { id: 'idem-2', from: '081234567890', text: 'dua' } });
    expect([first.status, second.status]).toEqual([204, 204]);
    const listed = await call(gw.url, 'GET', '/v1/sms-inbound', { headers: key });
    expect(listed.body.items.map((i: { text: string }) => i.text).sort()).toEqual(['dua', 'satu']);
  });
});
