import { newTenantId, sql } from '@autocall/testing';
import { call, deleteTestQueues, startEvents, type Events } from './helpers';

const hook = (over: Record<string, unknown> = {}) => ({ url: 'http://127.0.0.1:9/hook', events: ['task.status', 'number.completed'], ...over });

describe('webhook endpoints (API.md "Platform events")', () => {
  let svc: Events;
  beforeAll(async () => {
    svc = await startEvents();
  });
  afterAll(async () => {
    await svc?.close();
    await deleteTestQueues();
  });

  it('when an endpoint is created, then its secret (whsec_ + base64 of 32 bytes) is shown once and never again', async () => {
    const t = newTenantId();
    const res = await call(svc, t, 'POST', '/v1/webhooks', hook({ description: 'CRM' }));
    expect(res.status).toBe(201);
    expect(res.headers.location).toBe(`/v1/webhooks/${res.body.id}`);
    expect(res.body).toMatchObject({ url: 'http://127.0.0.1:9/hook', events: ['task.status', 'number.completed'], description: 'CRM', enabled: true, disabledReason: null });
    expect(res.body.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(res.body.secret.slice(6), 'base64')).toHaveLength(32);
    const one = await call(svc, t, 'GET', `/v1/webhooks/${res.body.id}`);
    expect(one.status).toBe(200);
    expect(one.body.secret).toBeUndefined();
    const list = await call(svc, t, 'GET', '/v1/webhooks');
    expect(list.body).toMatchObject({ page: 1, pageSize: 20, total: 1 });
    expect(list.body.items[0].secret).toBeUndefined();
  });

  it('when endpoints are listed, then newest first with paging', async () => {
    const t = newTenantId();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await call(svc, t, 'POST', '/v1/webhooks', hook({ description: `n${i}` }))).body.id);
    const page = await call(svc, t, 'GET', '/v1/webhooks?page=1&pageSize=2');
    expect(page.body.total).toBe(3);
    expect(page.body.items.map((w: { id: string }) => w.id)).toEqual([ids[2], ids[1]]);
    expect((await call(svc, t, 'GET', '/v1/webhooks?pageSize=0')).status).toBe(400);
  });

  it('when an endpoint is edited, disabled and re-enabled, then the change shows and re-enabling clears disabledReason', async () => {
    const t = newTenantId();
    const { id } = (await call(svc, t, 'POST', '/v1/webhooks', hook())).body;
    await sql(`UPDATE events.webhooks SET enabled = false, disabled_reason = 'The endpoint answered 410 Gone.' WHERE id = $1`, [id]);
    const patched = await call(svc, t, 'PATCH', `/v1/webhooks/${id}`, { events: ['sms.status'], description: null, url: 'https://127.0.0.1/other' });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ events: ['sms.status'], description: null, url: 'https://127.0.0.1/other', enabled: false, disabledReason: 'The endpoint answered 410 Gone.' });
    const enabled = await call(svc, t, 'PATCH', `/v1/webhooks/${id}`, { enabled: true });
    expect(enabled.body).toMatchObject({ enabled: true, disabledReason: null });
    expect((await call(svc, t, 'DELETE', `/v1/webhooks/${id}`)).status).toBe(204);
    expect((await call(svc, t, 'GET', `/v1/webhooks/${id}`)).status).toBe(404);
  });

  it('when the secret is rotated, then a new one is shown with when the old one stops signing (24 h)', async () => {
    const t = newTenantId();
    const created = (await call(svc, t, 'POST', '/v1/webhooks', hook())).body;
    const before = Date.now();
    const rotated = await call(svc, t, 'POST', `/v1/webhooks/${created.id}/rotate-secret`);
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(created.secret);
    expect(Date.parse(rotated.body.previousSecretExpiresAt) - before).toBeGreaterThanOrEqual(24 * 3_600_000 - 1000);
    const [row] = await sql(`SELECT secret, previous_secret FROM events.webhooks WHERE id = $1`, [created.id]);
    expect(row).toEqual({ secret: rotated.body.secret, previous_secret: created.secret });
  });

  describe('bad input: 4xx with a stable code, nothing changed', () => {
    const cases: [string, number, string, Record<string, unknown>][] = [
      ['task.progress subscribed', 400, 'WEBHOOK_EVENT_NOT_SUBSCRIBABLE', hook({ events: ['task.progress'] })],
      ['webhook.test subscribed', 400, 'WEBHOOK_EVENT_NOT_SUBSCRIBABLE', hook({ events: ['call.completed', 'webhook.test'] })],
      ['an unknown event type', 400, 'VALIDATION_FAILED', hook({ events: ['call.finished'] })],
      ['no event type', 400, 'VALIDATION_FAILED', hook({ events: [] })],
      ['an event type twice', 400, 'VALIDATION_FAILED', hook({ events: ['sms.status', 'sms.status'] })],
      ['an unknown field', 400, 'VALIDATION_FAILED', hook({ secret: 'whsec_mine' })],
      ['no url', 400, 'VALIDATION_FAILED', { events: ['sms.status'] }],
      ['a url that does not parse', 400, 'VALIDATION_FAILED', hook({ url: 'not a url' })],
      ['a url with credentials', 422, 'WEBHOOK_URL_FORBIDDEN', hook({ url: 'https://user:pass@127.0.0.1/hook' })],
      ['a non-http url', 422, 'WEBHOOK_URL_FORBIDDEN', hook({ url: 'ftp://127.0.0.1/hook' })],
      ['a javascript: url', 422, 'WEBHOOK_URL_FORBIDDEN', hook({ url: 'javascript:alert(1)' })],
    ];
    it.each(cases)('when %s, then %i %s', async (_name, status, code, body) => {
      const t = newTenantId();
      const res = await call(svc, t, 'POST', '/v1/webhooks', body);
      expect([res.status, res.body.code]).toEqual([status, code]);
      expect((await call(svc, t, 'GET', '/v1/webhooks')).body.total).toBe(0);
    });

    it('when a PATCH subscribes to task.progress or names a forbidden url, then 400/422 and the endpoint is as it was', async () => {
      const t = newTenantId();
      const { id } = (await call(svc, t, 'POST', '/v1/webhooks', hook())).body;
      expect((await call(svc, t, 'PATCH', `/v1/webhooks/${id}`, { events: ['task.progress'] })).body.code).toBe('WEBHOOK_EVENT_NOT_SUBSCRIBABLE');
      expect((await call(svc, t, 'PATCH', `/v1/webhooks/${id}`, { url: 'http://a:b@127.0.0.1/' })).body.code).toBe('WEBHOOK_URL_FORBIDDEN');
      expect((await call(svc, t, 'PATCH', `/v1/webhooks/${id}`, {})).status).toBe(400);
      expect((await call(svc, t, 'GET', `/v1/webhooks/${id}`)).body).toMatchObject(hook());
    });

    it('when an id is not a UUID or a cursor is foreign, then 400 INVALID_ID / INVALID_CURSOR', async () => {
      const t = newTenantId();
      const { id } = (await call(svc, t, 'POST', '/v1/webhooks', hook())).body;
      expect((await call(svc, t, 'GET', '/v1/webhooks/nope')).body.code).toBe('INVALID_ID');
      expect((await call(svc, t, 'GET', `/v1/webhooks/${id}/deliveries?cursor=abc`)).body.code).toBe('INVALID_CURSOR');
      expect((await call(svc, t, 'GET', `/v1/webhooks/${id}/deliveries?limit=201`)).status).toBe(400);
      expect((await call(svc, t, 'GET', `/v1/webhooks/${id}/deliveries?status=sent`)).status).toBe(400);
    });

    it('when the tenant has 20 endpoints, then a 21st is 422 WEBHOOK_LIMIT, even when asked for at once', async () => {
      const t = newTenantId();
      const answers = await Promise.all(Array.from({ length: 23 }, () => call(svc, t, 'POST', '/v1/webhooks', hook())));
      expect(answers.filter((a) => a.status === 201)).toHaveLength(20);
      expect(answers.filter((a) => a.status === 422).map((a) => a.body.code)).toEqual(['WEBHOOK_LIMIT', 'WEBHOOK_LIMIT', 'WEBHOOK_LIMIT']);
      expect((await call(svc, t, 'GET', '/v1/webhooks')).body.total).toBe(20);
    });
  });

  describe('without WEBHOOK_ALLOW_PRIVATE', () => {
    let strict: Events;
    const dns: Record<string, string[]> = { 'crm.example.com': ['93.184.216.34'], 'rebind.example.com': ['93.184.216.34', '10.1.2.3'], 'meta.example.com': ['169.254.169.254'] };
    beforeAll(async () => {
      strict = await startEvents({ WEBHOOK_ALLOW_PRIVATE: 'false' }, { resolve: async (host) => dns[host] ?? [] });
    });
    afterAll(async () => strict?.close());

    it.each([
      ['a loopback literal', 'http://127.0.0.1:8080/hook', 'WEBHOOK_URL_FORBIDDEN'],
      ['a private literal', 'https://10.0.0.7/hook', 'WEBHOOK_URL_FORBIDDEN'],
      ['a link-local literal (cloud metadata)', 'http://169.254.169.254/latest/meta-data', 'WEBHOOK_URL_FORBIDDEN'],
      ['an IPv6 loopback', 'http://[::1]/hook', 'WEBHOOK_URL_FORBIDDEN'],
      ['localhost', 'http://localhost/hook', 'WEBHOOK_URL_FORBIDDEN'],
      ['a host resolving to link-local', 'https://meta.example.com/hook', 'WEBHOOK_URL_FORBIDDEN'],
      ['a host resolving to a private address among public ones', 'https://rebind.example.com/hook', 'WEBHOOK_URL_FORBIDDEN'],
      ['a host that does not resolve', 'https://nowhere.example.com/hook', 'WEBHOOK_URL_UNRESOLVABLE'],
    ])('when the url is %s (%s), then 422 %s and nothing is created', async (_name, url, code) => {
      const t = newTenantId();
      const res = await call(strict, t, 'POST', '/v1/webhooks', hook({ url }));
      expect([res.status, res.body.code]).toEqual([422, code]);
      expect((await call(strict, t, 'GET', '/v1/webhooks')).body.total).toBe(0);
    });

    it('when the url is on a public host, then the endpoint is created', async () => {
      const res = await call(strict, newTenantId(), 'POST', '/v1/webhooks', hook({ url: 'https://crm.example.com/hook' }));
      expect(res.status).toBe(201);
    });
  });

  it("when another tenant names an endpoint or a delivery, then 404 and nothing changes", async () => {
    const owner = newTenantId();
    const other = newTenantId();
    const { id } = (await call(svc, owner, 'POST', '/v1/webhooks', hook())).body;
    const test = await call(svc, owner, 'POST', `/v1/webhooks/${id}/test`);
    expect(test.status).toBe(202);
    const deliveryId = test.body.id;
    for (const [method, url, body] of [
      ['GET', `/v1/webhooks/${id}`],
      ['PATCH', `/v1/webhooks/${id}`, { enabled: false }],
      ['DELETE', `/v1/webhooks/${id}`],
      ['POST', `/v1/webhooks/${id}/rotate-secret`],
      ['POST', `/v1/webhooks/${id}/test`],
      ['GET', `/v1/webhooks/${id}/deliveries`],
      ['POST', `/v1/webhooks/${id}/deliveries/${deliveryId}/redeliver`],
    ] as const) {
      const res = await call(svc, other, method, url, body);
      expect([method, url, res.status, res.body.code]).toEqual([method, url, 404, 'WEBHOOK_NOT_FOUND']);
    }
    expect((await call(svc, other, 'GET', '/v1/webhooks')).body.total).toBe(0);
    // its own endpoint, another's delivery id: 404 too
    const mine = (await call(svc, other, 'POST', '/v1/webhooks', hook())).body.id;
    expect((await call(svc, other, 'POST', `/v1/webhooks/${mine}/deliveries/${deliveryId}/redeliver`)).body.code).toBe('DELIVERY_NOT_FOUND');
    expect((await call(svc, owner, 'GET', `/v1/webhooks/${id}`)).body.enabled).toBe(true);
  });
});
