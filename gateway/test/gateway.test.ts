import { request as httpRequest } from 'node:http';
import { randomUUID } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { request } from 'undici';
import { expectProblem, newTenantId, sql, TEST_INTERNAL_TOKEN, testDatabaseUrl } from '@autocall/testing';
import { admin, bearer, call, client, closeClient, createTenant, deadUrl, startFakeUpstream, startGateway, startSms, type Gateway } from './helpers';

let sms: Awaited<ReturnType<typeof startSms>>;
let fake: Awaited<ReturnType<typeof startFakeUpstream>>;
let gw: Gateway;
let dead: string;

beforeAll(async () => {
  sms = await startSms();
  fake = await startFakeUpstream();
  dead = await deadUrl();
  // every test calls from 127.0.0.1 and many expect 401s: the per-address failure limit is auth-limits.test.ts's subject
  gw = await startGateway({ SMS_URL: sms.url, ROSTER_URL: fake.url, TASK_URL: dead, IDEMPOTENCY_WAIT_MS: '200', AUTH_FAILURES_PER_WINDOW: '1000' });
});
afterAll(async () => {
  await gw?.close();
  await sms?.svc.close();
  await fake?.close();
  await closeClient();
});


describe('admin: tenants and API keys', () => {
  it('when the admin creates a tenant, then 201 with a one-time ak_ key stored only as a hash', async () => {
    const res = await call(gw.url, 'POST', '/v1/admin/tenants', { headers: admin, json: { name: 'Acme' } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ name: 'Acme', apiKey: expect.stringMatching(/^ak_[A-Za-z0-9_-]{43}$/), apiKeyId: expect.any(String) });
    expect(res.headers.location).toBe(`/v1/admin/tenants/${res.body.id}`);
    const rows = await sql(`SELECT key_hash FROM gateway.api_keys WHERE tenant_id = $1`, [res.body.id]);
    expect(rows).toHaveLength(1);
    expect(rows[0].key_hash).toHaveLength(32);
    expect(JSON.stringify(rows)).not.toContain(res.body.apiKey.slice(3));
    const list = await call(gw.url, 'GET', '/v1/admin/tenants?pageSize=200', { headers: admin });
    expect(list.body.items.map((t: { id: string }) => t.id)).toContain(res.body.id);
    const keys = await call(gw.url, 'GET', `/v1/admin/tenants/${res.body.id}/api-keys`, { headers: admin });
    expect(keys.body.items).toEqual([{ id: res.body.apiKeyId, createdAt: expect.any(String), lastUsedAt: null, revokedAt: null }]);
    expect(keys.text).not.toContain(res.body.apiKey);
  });

  it('when a further key is issued and the first revoked, then the new one works and the old one is refused at once', async () => {
    const t = await createTenant(gw.url);
    const second = await call(gw.url, 'POST', `/v1/admin/tenants/${t.id}/api-keys`, { headers: admin });
    expect(second.status).toBe(201);
    expect(second.body.apiKey).not.toBe(t.apiKey);
    expect((await call(gw.url, 'GET', '/v1/sms-templates', { headers: bearer(t.apiKey) })).status).toBe(200);
    const revoke = await call(gw.url, 'DELETE', `/v1/admin/tenants/${t.id}/api-keys/${t.apiKeyId}`, { headers: admin });
    expect(revoke.status).toBe(204);
    expectProblem(await call(gw.url, 'GET', '/v1/sms-templates', { headers: bearer(t.apiKey) }), 401, 'UNAUTHORIZED');
    expect((await call(gw.url, 'GET', '/v1/sms-templates', { headers: bearer(second.body.apiKey) })).status).toBe(200);
    const keys = (await call(gw.url, 'GET', `/v1/admin/tenants/${t.id}/api-keys`, { headers: admin })).body.items;
    expect(keys.find((k: { id: string }) => k.id === t.apiKeyId)).toMatchObject({ revokedAt: expect.any(String), lastUsedAt: expect.any(String) });
  });

  it('when the tenant or key is unknown or the id is not a UUID, then 404 or 400 INVALID_ID', async () => {
    const t = await createTenant(gw.url);
    const other = await createTenant(gw.url);
    expectProblem(await call(gw.url, 'POST', `/v1/admin/tenants/${randomUUID()}/api-keys`, { headers: admin }), 404, 'TENANT_NOT_FOUND');
    expectProblem(await call(gw.url, 'GET', `/v1/admin/tenants/${randomUUID()}/api-keys`, { headers: admin }), 404, 'TENANT_NOT_FOUND');
    expectProblem(await call(gw.url, 'DELETE', `/v1/admin/tenants/${t.id}/api-keys/${other.apiKeyId}`, { headers: admin }), 404, 'API_KEY_NOT_FOUND');
    expectProblem(await call(gw.url, 'GET', `/v1/admin/tenants/nope/api-keys`, { headers: admin }), 400, 'INVALID_ID');
    expectProblem(await call(gw.url, 'DELETE', `/v1/admin/tenants/${t.id}/api-keys/nope`, { headers: admin }), 400, 'INVALID_ID');
    expect((await call(gw.url, 'GET', '/v1/sms-templates', { headers: bearer(other.apiKey) })).status).toBe(200);
  });

  it.each([
    [{ name: '' }, 'name'],
    [{ name: 'x'.repeat(101) }, 'name'],
    [{ name: 'x', extra: 1 }, 'extra'],
    [{ name: 5 }, 'name'],
  ])('when the tenant body is %p, then 400 VALIDATION_FAILED naming %s', async (json, field) => {
    const res = await call(gw.url, 'POST', '/v1/admin/tenants', { headers: admin, json });
    expectProblem(res, 400, 'VALIDATION_FAILED');
    expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
  });

  it('when the JSON is malformed, then 400 MALFORMED_JSON', async () => {
    expectProblem(await call(gw.url, 'POST', '/v1/admin/tenants', { headers: { ...admin, 'content-type': 'application/json' }, body: '{"name":' }), 400, 'MALFORMED_JSON');
  });

  it('when an admin body is over the size limit, then 413 and no tenant is created', async () => {
    const before = (await call(gw.url, 'GET', '/v1/admin/tenants', { headers: admin })).body.total;
    const res = await call(gw.url, 'POST', '/v1/admin/tenants', { headers: admin, json: { name: 'x'.repeat(1024 * 1024 + 10) } });
    expectProblem(res, 413, 'PAYLOAD_TOO_LARGE');
    expect((await call(gw.url, 'GET', '/v1/admin/tenants', { headers: admin })).body.total).toBe(before);
  });

  it('when an admin route is called without the admin token, with a tenant key, or with the token in X-API-Key, then 401', async () => {
    const t = await createTenant(gw.url);
    const attempts: Record<string, string>[] = [{}, bearer(t.apiKey), { 'x-api-key': t.apiKey }, { 'x-api-key': admin.authorization.slice(7) }, { authorization: 'Bearer wrong-admin-token-000000' }];
    for (const headers of attempts) {
      expectProblem(await call(gw.url, 'GET', '/v1/admin/tenants', { headers }), 401, 'UNAUTHORIZED');
      expectProblem(await call(gw.url, 'GET', '/v1/admin/sms-templates', { headers }), 401, 'UNAUTHORIZED');
    }
  });

  it('when no ADMIN_TOKEN is configured, then every admin route answers 401', async () => {
    const noAdmin = await startGateway({ ADMIN_TOKEN: '', SMS_URL: sms.url });
    try {
      const attempts: Record<string, string>[] = [admin, { authorization: 'Bearer ' }, {}];
      for (const headers of attempts) {
        expectProblem(await call(noAdmin.url, 'POST', '/v1/admin/tenants', { headers, json: { name: 'x' } }), 401, 'UNAUTHORIZED');
        expectProblem(await call(noAdmin.url, 'GET', '/v1/admin/sms-templates', { headers }), 401, 'UNAUTHORIZED');
      }
    } finally {
      await noAdmin.close();
    }
  });
});

describe('auth, request ids, public routes', () => {
  it('when a tenant key reaches for the admin API through an encoded or dotted path, then 400 INVALID_PATH and nothing is listed or created', async () => {
    const t = await createTenant(gw.url);
    const before = (await call(gw.url, 'GET', '/v1/admin/tenants?pageSize=200', { headers: admin })).body.total;
    for (const [method, path] of [
      ['GET', '/v1/%61dmin/tenants'],
      ['POST', '/v1/adm%69n/tenants'],
      ['GET', '/v1/tasks/../admin/tenants'],
      ['GET', '/v1/tasks/%2e%2e/admin/tenants'],
      ['GET', '/v1/rosters/..%2f..%2finternal/recordings'],
      ['GET', '/v1/recordings/x\\..\\admin'],
    ] as const) {
      // node:http sends the path as written (a URL-parsing client would resolve the dots first)
      const res = await new Promise<{ status: number; body: { code?: string } }>((resolve, reject) => {
        const u = new URL(gw.url);
        const r = httpRequest({ host: u.hostname, port: u.port, method, path, headers: { ...bearer(t.apiKey), 'content-type': 'application/json' } }, (answer) => {
          let text = '';
          answer.on('data', (c: Buffer) => (text += c.toString()));
          answer.on('end', () => resolve({ status: answer.statusCode ?? 0, body: JSON.parse(text || '{}') as { code?: string } }));
        });
        r.on('error', reject);
        r.end(method === 'POST' ? JSON.stringify({ name: 'evil' }) : undefined);
      });
      expect([path, res.status, res.body.code]).toEqual([path, 400, 'INVALID_PATH']);
    }
    expect((await call(gw.url, 'GET', '/v1/admin/tenants?pageSize=200', { headers: admin })).body.total).toBe(before);
    expect((await call(gw.url, 'GET', '/v1//admin/tenants', { headers: bearer(t.apiKey) })).status).toBe(404); // matches no route at all
  });

  it('when the key is missing, malformed or unknown, then 401 UNAUTHORIZED and nothing reaches the service', async () => {
    const before = fake.seen.length;
    const attempts: Record<string, string>[] = [{}, { authorization: 'Bearer nope' }, bearer(`ak_${'A'.repeat(43)}`), { authorization: 'Basic abc' }, { 'x-api-key': '' }];
    for (const headers of attempts) {
      const res = await call(gw.url, 'GET', '/v1/rosters/echo', { headers });
      expectProblem(res, 401, 'UNAUTHORIZED');
      expect(res.headers['www-authenticate']).toBe('Bearer');
    }
    expect(fake.seen.length).toBe(before);
  });

  it('when a browser sends a CORS preflight without a key, then it is answered; answers (401 included) carry the CORS headers', async () => {
    const pre = await call(gw.url, 'OPTIONS', '/v1/sms-templates', {
      headers: { origin: 'https://app.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,idempotency-key,content-type' },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers['access-control-allow-origin']).toBe('*');
    expect(String(pre.headers['access-control-allow-headers']).toLowerCase()).toContain('idempotency-key');
    const denied = await call(gw.url, 'GET', '/v1/sms-templates', { headers: { origin: 'https://app.example' } });
    expect([denied.status, denied.headers['access-control-allow-origin']]).toEqual([401, '*']);
    expect(String(denied.headers['access-control-expose-headers'])).toContain('X-Request-Id');
  });

  it('when the key comes in X-API-Key, then it works like the Bearer header', async () => {
    const t = await createTenant(gw.url);
    expect((await call(gw.url, 'GET', '/v1/sms-templates', { headers: { 'x-api-key': t.apiKey } })).status).toBe(200);
  });

  it('when /health, /ready, /docs and /docs/json are called without a key, then they answer', async () => {
    expect((await call(gw.url, 'GET', '/health')).status).toBe(200);
    expect((await call(gw.url, 'GET', '/ready')).body).toMatchObject({ status: 'ready' });
    const ui = await call(gw.url, 'GET', '/docs');
    expect([200, 302]).toContain(ui.status);
    const doc = await call(gw.url, 'GET', '/docs/json');
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toMatch(/^3\./);
  });

  it('when /metrics is asked for from outside, then 404; with the internal token (Prometheus inside the deployment), then the metrics', async () => {
    expect((await call(gw.url, 'GET', '/metrics')).status).toBe(404);
    const inside = await call(gw.url, 'GET', '/metrics', { headers: { 'x-internal-token': TEST_INTERNAL_TOKEN } });
    expect(inside.status).toBe(200);
    expect(inside.text).toContain('http_request_duration_seconds');
  });

  it('when /docs/json is read, then it lists the admin and SMS routes with schemas and security', async () => {
    const doc = (await call(gw.url, 'GET', '/docs/json')).body;
    for (const [path, method] of [
      ['/v1/admin/tenants', 'post'],
      ['/v1/admin/tenants', 'get'],
      ['/v1/admin/tenants/{id}/api-keys', 'post'],
      ['/v1/admin/tenants/{id}/api-keys', 'get'],
      ['/v1/admin/tenants/{id}/api-keys/{keyId}', 'delete'],
      ['/v1/admin/sms-templates', 'get'],
      ['/v1/sms-templates', 'post'],
      ['/v1/sms-templates', 'get'],
      ['/v1/sms-templates/{id}', 'get'],
      ['/v1/sms-templates/{id}', 'patch'],
      ['/v1/sms-templates/{id}', 'delete'],
      ['/v1/sms-templates/{id}/preview', 'post'],
      ['/v1/sms-account', 'put'],
    ]) {
      expect([path, method, doc.paths[path]?.[method] !== undefined]).toEqual([path, method, true]);
    }
    const create = doc.paths['/v1/sms-templates'].post;
    expect(create.requestBody.content['application/json'].schema).toMatchObject({ type: 'object', properties: { name: { type: 'string', maxLength: 100 } }, additionalProperties: false });
    expect(create.responses['201'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/SmsTemplate' });
    expect(doc.components.schemas.SmsTemplate.properties.encoding).toBeDefined();
    expect(create.security).toEqual([{ bearerApiKey: [] }, { headerApiKey: [] }]);
    expect(doc.paths['/v1/admin/tenants'].post.security).toEqual([{ adminToken: [] }]);
    expect(doc.paths['/v1/sms-templates/{id}'].get.parameters[0]).toMatchObject({ name: 'id', in: 'path', required: true });
    expect(JSON.stringify(doc)).not.toContain('"$id"');
  });

  it('when X-Request-Id is valid, then it is echoed and forwarded; when it has a control character or is over 128 chars, then it is replaced', async () => {
    const t = await createTenant(gw.url);
    const good = await call(gw.url, 'GET', '/v1/rosters/echo', { headers: { ...bearer(t.apiKey), 'x-request-id': 'client-id-123' } });
    expect(good.headers['x-request-id']).toBe('client-id-123');
    expect(good.body.headers['x-request-id']).toBe('client-id-123');
    for (const bad of ['x'.repeat(129), 'has space', 'tab\there']) {
      const res = await call(gw.url, 'GET', '/v1/rosters/echo', { headers: { ...bearer(t.apiKey), 'x-request-id': bad } });
      expect(res.headers['x-request-id']).not.toBe(bad);
      expect(String(res.headers['x-request-id'])).toMatch(/^[0-9a-f-]{36}$/);
      expect(res.body.headers['x-request-id']).toBe(res.headers['x-request-id']);
    }
    const unauth = await call(gw.url, 'GET', '/v1/rosters/echo', { headers: { 'x-request-id': 'x'.repeat(200) } });
    expect(unauth.headers['x-request-id']).toHaveLength(36);
  });
});

describe('proxy', () => {
  it('when a client sends internal headers, then the gateway overwrites them and drops its credentials', async () => {
    const t = await createTenant(gw.url);
    const spoofed = newTenantId();
    const res = await call(gw.url, 'GET', '/v1/rosters/echo?x=1', {
      headers: { ...bearer(t.apiKey), 'x-autocall-tenant-id': spoofed, 'x-internal-token': 'guess', 'x-autocall-admin': 'true', 'x-custom': 'kept' },
    });
    expect(res.status).toBe(200);
    const seen = res.body.headers;
    expect(seen['x-autocall-tenant-id']).toBe(t.id);
    expect(seen['x-internal-token']).toBe(TEST_INTERNAL_TOKEN);
    expect(seen['x-autocall-admin']).toBeUndefined();
    expect(seen.authorization).toBeUndefined();
    expect(seen['x-custom']).toBe('kept');
    expect(fake.seen.at(-1)?.url).toBe('/v1/rosters/echo?x=1');
    expect(res.headers['x-request-id']).not.toBe('upstream-own-id');
  });

  it("when tenant B asks for tenant A's template (even naming A in a spoofed header), then 404 for get, patch, delete and preview", async () => {
    const a = await createTenant(gw.url);
    const b = await createTenant(gw.url);
    const created = await call(gw.url, 'POST', '/v1/sms-templates', { headers: bearer(a.apiKey), json: { name: 'Mine', content: 'Hi {{name}}' } });
    expect(created.status).toBe(201);
    const id = created.body.id;
    for (const [method, json] of [['GET'], ['PATCH', { name: 'y' }], ['DELETE'], ['POST', { variables: {} }]] as const) {
      const url = method === 'POST' ? `/v1/sms-templates/${id}/preview` : `/v1/sms-templates/${id}`;
      expectProblem(await call(gw.url, method, url, { headers: { ...bearer(b.apiKey), 'x-autocall-tenant-id': a.id }, json }), 404, 'TEMPLATE_NOT_FOUND');
    }
    expect((await call(gw.url, 'GET', `/v1/sms-templates/${id}`, { headers: bearer(a.apiKey) })).body.name).toBe('Mine');
  });

  it('when the service answers with a big body, sized or chunked, then the client receives every byte', async () => {
    const t = await createTenant(gw.url);
    for (const path of ['/v1/rosters/big?sized', '/v1/rosters/big']) {
      const res = await request(`${gw.url}${path}`, { headers: bearer(t.apiKey), dispatcher: client });
      const body = Buffer.from(await res.body.arrayBuffer());
      expect([path, res.statusCode, body.length, body.every((b) => b === 0x78)]).toEqual([path, 200, 3 * 1024 * 1024, true]);
    }
  });

  it('when the service dies in the middle of a small answer, then a clean 503 problem without the service’s headers', async () => {
    const t = await createTenant(gw.url);
    const res = await call(gw.url, 'GET', '/v1/rosters/cut', { headers: bearer(t.apiKey) });
    expectProblem(res, 503, 'DEPENDENCY_UNAVAILABLE');
    expect([res.headers.location, res.headers.etag]).toEqual([undefined, undefined]);
  });

  it('when a proxied JSON body is over the 1 MiB limit, then 413 before it reaches the service', async () => {
    const t = await createTenant(gw.url);
    const res = await call(gw.url, 'POST', '/v1/sms-templates', { headers: bearer(t.apiKey), json: { name: 'x', content: 'y'.repeat(2 * 1024 * 1024) } });
    expectProblem(res, 413, 'PAYLOAD_TOO_LARGE');
  });

  it('when the bad input is the service’s to judge, then its problem comes through unchanged (INVALID_ID, VALIDATION_FAILED)', async () => {
    const t = await createTenant(gw.url);
    expectProblem(await call(gw.url, 'GET', '/v1/sms-templates/not-a-uuid', { headers: bearer(t.apiKey) }), 400, 'INVALID_ID');
    expectProblem(await call(gw.url, 'GET', '/v1/sms-templates?pageSize=201', { headers: bearer(t.apiKey) }), 400, 'VALIDATION_FAILED');
    expectProblem(await call(gw.url, 'POST', '/v1/sms-templates', { headers: bearer(t.apiKey), json: { name: 'x', content: 'Hi {{name' } }), 400, 'TEMPLATE_SYNTAX_INVALID');
  });

  it('when the upstream is down, then 503 DEPENDENCY_UNAVAILABLE', async () => {
    const t = await createTenant(gw.url);
    expectProblem(await call(gw.url, 'GET', '/v1/tasks', { headers: bearer(t.apiKey) }), 503, 'DEPENDENCY_UNAVAILABLE');
    expectProblem(await call(gw.url, 'POST', '/v1/tasks', { headers: bearer(t.apiKey), json: { name: 'x' } }), 503, 'DEPENDENCY_UNAVAILABLE');
  });

  it('when the admin calls a proxied admin route, then the service sees x-autocall-admin and no tenant', async () => {
    const res = await call(gw.url, 'GET', '/v1/admin/sms-templates?status=pending', { headers: admin });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ items: expect.any(Array), page: 1 });
  });

  it('when a 50 MiB upload is sent, then it streams to the service (the service reads bytes before the client has sent them all)', async () => {
    const t = await createTenant(gw.url);
    const size = 50 * 1024 * 1024;
    const chunk = Buffer.alloc(1024 * 1024, 7);
    const body = new PassThrough();
    const firstBytes = fake.nextFirstBytes();
    const pending = request(`${gw.url}/v1/rosters`, {
      method: 'POST',
      headers: { ...bearer(t.apiKey), 'content-type': 'multipart/form-data; boundary=xyz', 'content-length': String(size) },
      body,
      dispatcher: client,
    });
    body.write(chunk);
    // A buffering gateway would wait for all 50 MiB before the service saw a byte: this would hang.
    await firstBytes;
    for (let sent = chunk.length; sent < size; sent += chunk.length) {
      if (!body.write(chunk)) await new Promise((r) => body.once('drain', r));
    }
    body.end();
    const res = await pending;
    const json = (await res.body.json()) as { bytes: number };
    expect(res.statusCode).toBe(201);
    expect(json.bytes).toBe(size);
  });
});

describe('rate limits', () => {
  it('when a key goes over RATE_LIMIT_PER_SECOND, then 429 with Retry-After and RateLimit-* headers; another key is unaffected', async () => {
    const limited = await startGateway({ SMS_URL: sms.url, RATE_LIMIT_PER_SECOND: '3' });
    try {
      const a = await createTenant(limited.url);
      const b = await createTenant(limited.url);
      const results = [];
      for (let i = 0; i < 5; i++) results.push(await call(limited.url, 'GET', '/v1/sms-templates', { headers: bearer(a.apiKey) }));
      expect(results.map((r) => r.status)).toEqual([200, 200, 200, 429, 429]);
      const over = results[3];
      expectProblem(over, 429, 'RATE_LIMITED');
      expect(Number(over.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(over.headers['ratelimit-limit']).toBe('3');
      expect(over.headers['ratelimit-remaining']).toBe('0');
      expect(results[0].headers['ratelimit-remaining']).toBe('2');
      expect((await call(limited.url, 'GET', '/v1/sms-templates', { headers: bearer(b.apiKey) })).status).toBe(200);
      await new Promise((r) => setTimeout(r, 1100));
      expect((await call(limited.url, 'GET', '/v1/sms-templates', { headers: bearer(a.apiKey) })).status).toBe(200);
    } finally {
      await limited.close();
    }
  });
});

describe('Idempotency-Key', () => {
  const countTemplates = async (key: string) => (await call(gw.url, 'GET', '/v1/sms-templates', { headers: bearer(key) })).body.total;

  it('when a POST is repeated with the same key and body (keys in another order), then the first response is replayed and nothing new is created', async () => {
    const t = await createTenant(gw.url);
    const headers = { ...bearer(t.apiKey), 'idempotency-key': 'create-1' };
    const first = await call(gw.url, 'POST', '/v1/sms-templates', { headers, json: { name: 'Once', content: 'Hi' } });
    const again = await call(gw.url, 'POST', '/v1/sms-templates', { headers, body: '{ "content": "Hi", "name": "Once" }' });
    expect(first.status).toBe(201);
    expect([again.status, again.body, again.headers.location]).toEqual([201, first.body, first.headers.location]);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(await countTemplates(t.apiKey)).toBe(1);
  });

  it('when the same key comes with another body or path, then 422 IDEMPOTENCY_KEY_REUSED; another tenant may use the same key', async () => {
    const t = await createTenant(gw.url);
    const other = await createTenant(gw.url);
    const headers = { ...bearer(t.apiKey), 'idempotency-key': 'k-2' };
    expect((await call(gw.url, 'POST', '/v1/sms-templates', { headers, json: { name: 'A', content: 'Hi' } })).status).toBe(201);
    expectProblem(await call(gw.url, 'POST', '/v1/sms-templates', { headers, json: { name: 'B', content: 'Hi' } }), 422, 'IDEMPOTENCY_KEY_REUSED');
    expectProblem(await call(gw.url, 'POST', `/v1/sms-templates/${randomUUID()}/preview`, { headers, json: { name: 'A', content: 'Hi' } }), 422, 'IDEMPOTENCY_KEY_REUSED');
    expect(await countTemplates(t.apiKey)).toBe(1);
    const theirs = await call(gw.url, 'POST', '/v1/sms-templates', { headers: { ...bearer(other.apiKey), 'idempotency-key': 'k-2' }, json: { name: 'A', content: 'Hi' } });
    expect(theirs.status).toBe(201);
    expect(theirs.headers['idempotent-replayed']).toBeUndefined();
  });

  it('when the key is empty or over 255 characters, then 400 and nothing is created', async () => {
    const t = await createTenant(gw.url);
    for (const key of ['', 'k'.repeat(256)]) {
      const res = await call(gw.url, 'POST', '/v1/sms-templates', { headers: { ...bearer(t.apiKey), 'idempotency-key': key }, json: { name: 'A', content: 'Hi' } });
      expectProblem(res, 400, 'VALIDATION_FAILED');
    }
    expect((await call(gw.url, 'POST', '/v1/sms-templates', { headers: { ...bearer(t.apiKey), 'idempotency-key': 'k'.repeat(255) }, json: { name: 'A', content: 'Hi' } })).status).toBe(201);
    expect(await countTemplates(t.apiKey)).toBe(1);
  });

  it('when the first answer was a 4xx, then the replay repeats it', async () => {
    const t = await createTenant(gw.url);
    const headers = { ...bearer(t.apiKey), 'idempotency-key': 'bad-1' };
    const first = await call(gw.url, 'POST', '/v1/rosters/bad', { headers, json: {} });
    const again = await call(gw.url, 'POST', '/v1/rosters/bad', { headers, json: {} });
    expect([first.status, again.status, again.body.id]).toEqual([422, 422, first.body.id]);
  });

  it('when a duplicate arrives while the first is in flight, then it waits briefly and gets 409 IDEMPOTENCY_KEY_IN_PROGRESS; afterwards it replays', async () => {
    const t = await createTenant(gw.url);
    const headers = { ...bearer(t.apiKey), 'idempotency-key': 'slow-1' };
    const first = call(gw.url, 'POST', '/v1/rosters/slow', { headers, json: { a: 1 } });
    await new Promise((r) => setTimeout(r, 150));
    expectProblem(await call(gw.url, 'POST', '/v1/rosters/slow', { headers, json: { a: 1 } }), 409, 'IDEMPOTENCY_KEY_IN_PROGRESS');
    const done = await first;
    const replayed = await call(gw.url, 'POST', '/v1/rosters/slow', { headers, json: { a: 1 } });
    expect([replayed.status, replayed.body.id]).toEqual([201, done.body.id]);
    expect(fake.seen.filter((s) => s.url === '/v1/rosters/slow' && s.headers['x-autocall-tenant-id'] === t.id)).toHaveLength(1);
  });

  it('when the upstream fails with a 5xx, then the record is forgotten and a retry with the same key runs', async () => {
    const t = await createTenant(gw.url);
    const headers = { ...bearer(t.apiKey), 'idempotency-key': 'flaky-1' };
    expect((await call(gw.url, 'POST', '/v1/rosters/flaky', { headers, json: {} })).status).toBe(500);
    const retry = await call(gw.url, 'POST', '/v1/rosters/flaky', { headers, json: {} });
    expect(retry.status).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBeUndefined();
  });

  it('when the upstream is down, then the record is forgotten and a later retry succeeds', async () => {
    const t = await createTenant(gw.url);
    const headers = { ...bearer(t.apiKey), 'idempotency-key': 'down-1' };
    expectProblem(await call(gw.url, 'POST', '/v1/tasks', { headers, json: {} }), 503, 'DEPENDENCY_UNAVAILABLE');
    expect(await sql(`SELECT 1 FROM gateway.idempotency_keys WHERE tenant_id = $1`, [t.id], testDatabaseUrl())).toHaveLength(0);
  });

  const multipart = (boundary: string, parts: [name: string, value: string, filename?: string][]) =>
    parts
      .map(([name, value, filename]) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"${filename ? `; filename="${filename}"\r\nContent-Type: application/octet-stream` : ''}\r\n\r\n${value}\r\n`)
      .join('') + `--${boundary}--\r\n`;

  it('when a multipart upload is retried with another boundary and part order, then it replays; other file bytes get 422', async () => {
    const t = await createTenant(gw.url);
    const headers = (boundary: string) => ({ ...bearer(t.apiKey), 'idempotency-key': 'upload-1', 'content-type': `multipart/form-data; boundary=${boundary}` });
    const first = await call(gw.url, 'POST', '/v1/rosters', { headers: headers('aaa111'), body: multipart('aaa111', [['name', 'Jan'], ['file', 'FILE-BYTES', 'r.xlsx']]) });
    expect(first.status).toBe(201);
    const again = await call(gw.url, 'POST', '/v1/rosters', { headers: headers('bbb222'), body: multipart('bbb222', [['file', 'FILE-BYTES', 'r.xlsx'], ['name', 'Jan']]) });
    expect([again.status, again.body.id]).toEqual([201, first.body.id]);
    expect(fake.seen.filter((s) => s.headers['x-autocall-tenant-id'] === t.id)).toHaveLength(1);
    const changed = await call(gw.url, 'POST', '/v1/rosters', { headers: headers('ccc333'), body: multipart('ccc333', [['name', 'Jan'], ['file', 'OTHER-BYTES', 'r.xlsx']]) });
    expectProblem(changed, 422, 'IDEMPOTENCY_KEY_REUSED');
  });

  it('when a record is older than 24 h, then the key may be used afresh', async () => {
    const t = await createTenant(gw.url);
    const headers = { ...bearer(t.apiKey), 'idempotency-key': 'old-1' };
    const first = await call(gw.url, 'POST', '/v1/sms-templates', { headers, json: { name: 'A', content: 'Hi' } });
    await sql(`UPDATE gateway.idempotency_keys SET created_at = now() - interval '25 hours' WHERE tenant_id = $1`, [t.id]);
    const fresh = await call(gw.url, 'POST', '/v1/sms-templates', { headers, json: { name: 'B', content: 'Hi' } });
    expect(fresh.status).toBe(201);
    expect(fresh.body.id).not.toBe(first.body.id);
  });
});
