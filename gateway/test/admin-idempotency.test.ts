import { randomUUID } from 'node:crypto';
import { expectProblem, sql } from '@autocall/testing';
import { bodyDigest, fingerprint } from '../src/domain/fingerprint';
import { ADMIN_TENANT } from '../src/usecases/idempotency';
import { admin, call, closeClient, createTenant, deadUrl, startGateway, type Gateway, type Res } from './helpers';

/**
 * The gateway's own admin POSTs honour Idempotency-Key like proxied POSTs (same table and rules), and
 * the answer kept for replays, which holds a new API key, is stored only encrypted under a key
 * derived from ADMIN_TOKEN: a gateway with another ADMIN_TOKEN cannot replay it (409).
 */
let gw: Gateway;
let rotated: Gateway;
const OTHER_ADMIN_TOKEN = 'another-admin-token-0123456789';
const otherAdmin = { authorization: `Bearer ${OTHER_ADMIN_TOKEN}` };

beforeAll(async () => {
  const dead = await deadUrl();
  const upstreams = { SMS_URL: dead, ROSTER_URL: dead, TASK_URL: dead, RECORDING_URL: dead, DIALER_URL: dead };
  gw = await startGateway({ ...upstreams, IDEMPOTENCY_WAIT_MS: '3000', AUTH_FAILURES_PER_WINDOW: '1000' });
  rotated = await startGateway({ ...upstreams, ADMIN_TOKEN: OTHER_ADMIN_TOKEN, AUTH_FAILURES_PER_WINDOW: '1000' });
});
afterAll(async () => {
  await gw?.close();
  await rotated?.close();
  await closeClient();
});

const uniqueName = () => `idem-${randomUUID()}`;
const tenantsNamed = async (name: string) => (await sql(`SELECT id FROM gateway.tenants WHERE name = $1`, [name])).map((r) => r.id as string);
const keysOf = async (tenantId: string) => (await sql(`SELECT id FROM gateway.api_keys WHERE tenant_id = $1`, [tenantId])).map((r) => r.id as string);
const record = async (key: string) =>
  (await sql(`SELECT state, status, headers, body, body_sealed, fingerprint FROM gateway.idempotency_keys WHERE tenant_id = $1 AND key = $2`, [ADMIN_TENANT, key]))[0];

/** The stored body holds neither the key nor anything else of the answer in plain text. */
function expectSealed(row: { body: Buffer; body_sealed: boolean }, answer: Res) {
  expect(row.body_sealed).toBe(true);
  const stored = row.body.toString('latin1');
  for (const secret of [answer.body.apiKey, answer.body.apiKey.slice(3), Buffer.from(answer.body.apiKey).toString('base64'), Buffer.from(answer.body.apiKey).toString('hex'), '"apiKey"']) {
    expect(stored).not.toContain(secret);
  }
  expect(row.body.length).toBe(12 + 16 + Buffer.byteLength(answer.text)); // iv ‖ tag ‖ ciphertext of the whole answer
}

describe('Idempotency-Key on POST /v1/admin/tenants', () => {
  it('when the POST is retried with the same key and body, then the same tenant and API key are replayed and one tenant exists', async () => {
    const key = randomUUID();
    const name = uniqueName();
    const headers = { ...admin, 'idempotency-key': key };
    const first = await call(gw.url, 'POST', '/v1/admin/tenants', { headers, json: { name } });
    expect(first.status).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    expect(first.body).toMatchObject({ name, apiKey: expect.stringMatching(/^ak_[A-Za-z0-9_-]{43}$/), apiKeyId: expect.any(String) });
    expect(first.headers.location).toBe(`/v1/admin/tenants/${first.body.id}`);

    const again = await call(gw.url, 'POST', '/v1/admin/tenants', { headers: { ...headers, 'content-type': 'application/json' }, body: `{ "name" : ${JSON.stringify(name)} }` });
    expect([again.status, again.body, again.headers.location, again.text]).toEqual([201, first.body, first.headers.location, first.text]);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(String(again.headers['content-type'])).toContain('application/json');
    expect(await tenantsNamed(name)).toEqual([first.body.id]);
    expect(await keysOf(first.body.id)).toEqual([first.body.apiKeyId]);

    const row = await record(key);
    expect([row.state, row.status, row.headers.location]).toEqual(['complete', 201, first.headers.location]);
    // the fingerprint a proxied JSON POST of the same bytes would have
    expect(row.fingerprint).toBe(fingerprint('POST', '/v1/admin/tenants', bodyDigest(Buffer.from(`{"name":${JSON.stringify(name)}}`), 'application/json')));
    expectSealed(row, first);
  });

  it('when the same key comes with another body, then 422 IDEMPOTENCY_KEY_REUSED and nothing is created', async () => {
    const key = randomUUID();
    const name = uniqueName();
    const other = uniqueName();
    const headers = { ...admin, 'idempotency-key': key };
    expect((await call(gw.url, 'POST', '/v1/admin/tenants', { headers, json: { name } })).status).toBe(201);
    expectProblem(await call(gw.url, 'POST', '/v1/admin/tenants', { headers, json: { name: other } }), 422, 'IDEMPOTENCY_KEY_REUSED');
    expect(await tenantsNamed(name)).toHaveLength(1);
    expect(await tenantsNamed(other)).toHaveLength(0);
  });

  it('when duplicates arrive together, then one tenant is created and both get it', async () => {
    const key = randomUUID();
    const name = uniqueName();
    const headers = { ...admin, 'idempotency-key': key };
    const answers = await Promise.all([1, 2, 3].map(() => call(gw.url, 'POST', '/v1/admin/tenants', { headers, json: { name } })));
    expect(answers.map((a) => a.status)).toEqual([201, 201, 201]);
    expect(new Set(answers.map((a) => a.body.apiKey)).size).toBe(1);
    expect(answers.filter((a) => a.headers['idempotent-replayed'] === 'true')).toHaveLength(2);
    expect(await tenantsNamed(name)).toHaveLength(1);
  });

  it('when the key is empty or over 255 characters, then 400 and nothing is created', async () => {
    const name = uniqueName();
    for (const key of ['', 'k'.repeat(256)]) {
      expectProblem(await call(gw.url, 'POST', '/v1/admin/tenants', { headers: { ...admin, 'idempotency-key': key }, json: { name } }), 400, 'VALIDATION_FAILED');
    }
    expect(await tenantsNamed(name)).toHaveLength(0);
  });

  it('when a record is older than 24 h, then the key may be used afresh', async () => {
    const key = randomUUID();
    const headers = { ...admin, 'idempotency-key': key };
    const first = await call(gw.url, 'POST', '/v1/admin/tenants', { headers, json: { name: uniqueName() } });
    await sql(`UPDATE gateway.idempotency_keys SET created_at = now() - interval '25 hours' WHERE tenant_id = $1 AND key = $2`, [ADMIN_TENANT, key]);
    const fresh = await call(gw.url, 'POST', '/v1/admin/tenants', { headers, json: { name: uniqueName() } });
    expect(fresh.status).toBe(201);
    expect(fresh.headers['idempotent-replayed']).toBeUndefined();
    expect(fresh.body.id).not.toBe(first.body.id);
  });

  it('when a gateway with another ADMIN_TOKEN gets the retry, then 409 IDEMPOTENCY_REPLAY_UNAVAILABLE and nothing is created; another body is still 422', async () => {
    const key = randomUUID();
    const name = uniqueName();
    const first = await call(gw.url, 'POST', '/v1/admin/tenants', { headers: { ...admin, 'idempotency-key': key }, json: { name } });
    expect(first.status).toBe(201);
    const retry = await call(rotated.url, 'POST', '/v1/admin/tenants', { headers: { ...otherAdmin, 'idempotency-key': key }, json: { name } });
    expectProblem(retry, 409, 'IDEMPOTENCY_REPLAY_UNAVAILABLE');
    expect(retry.text).not.toContain(first.body.apiKey);
    expectProblem(await call(rotated.url, 'POST', '/v1/admin/tenants', { headers: { ...otherAdmin, 'idempotency-key': key }, json: { name: uniqueName() } }), 422, 'IDEMPOTENCY_KEY_REUSED');
    expect(await tenantsNamed(name)).toEqual([first.body.id]);
    // the record is kept: the gateway whose token sealed it still replays it
    const again = await call(gw.url, 'POST', '/v1/admin/tenants', { headers: { ...admin, 'idempotency-key': key }, json: { name } });
    expect([again.status, again.body.apiKey, again.headers['idempotent-replayed']]).toEqual([201, first.body.apiKey, 'true']);
  });
});

describe('Idempotency-Key on POST /v1/admin/tenants/{id}/api-keys', () => {
  it('when the POST is retried with the same key, then the same API key is replayed and one key is created', async () => {
    const t = await createTenant(gw.url);
    const key = randomUUID();
    const headers = { ...admin, 'idempotency-key': key };
    const first = await call(gw.url, 'POST', `/v1/admin/tenants/${t.id}/api-keys`, { headers });
    expect(first.status).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    expect(first.headers.location).toBe(`/v1/admin/tenants/${t.id}/api-keys/${first.body.id}`);
    const again = await call(gw.url, 'POST', `/v1/admin/tenants/${t.id}/api-keys`, { headers });
    expect([again.status, again.body, again.headers.location]).toEqual([201, first.body, first.headers.location]);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect((await keysOf(t.id)).sort()).toEqual([t.apiKeyId, first.body.id].sort());
    expectSealed(await record(key), first);
  });

  it('when the same key comes for another tenant or with a body, then 422 IDEMPOTENCY_KEY_REUSED and no key is created', async () => {
    const t = await createTenant(gw.url);
    const other = await createTenant(gw.url);
    const key = randomUUID();
    const headers = { ...admin, 'idempotency-key': key };
    expect((await call(gw.url, 'POST', `/v1/admin/tenants/${t.id}/api-keys`, { headers })).status).toBe(201);
    expectProblem(await call(gw.url, 'POST', `/v1/admin/tenants/${other.id}/api-keys`, { headers }), 422, 'IDEMPOTENCY_KEY_REUSED');
    expectProblem(await call(gw.url, 'POST', `/v1/admin/tenants/${t.id}/api-keys`, { headers, json: { note: 1 } }), 422, 'IDEMPOTENCY_KEY_REUSED');
    expect(await keysOf(t.id)).toHaveLength(2);
    expect(await keysOf(other.id)).toEqual([other.apiKeyId]);
  });

  it('when the request is refused (unknown tenant), then nothing is kept and the key stays free', async () => {
    const t = await createTenant(gw.url);
    const key = randomUUID();
    const headers = { ...admin, 'idempotency-key': key };
    expectProblem(await call(gw.url, 'POST', `/v1/admin/tenants/${randomUUID()}/api-keys`, { headers }), 404, 'TENANT_NOT_FOUND');
    expect(await record(key)).toBeUndefined();
    expect((await call(gw.url, 'POST', `/v1/admin/tenants/${t.id}/api-keys`, { headers })).status).toBe(201);
  });

  it('when a gateway with another ADMIN_TOKEN gets the retry, then 409 IDEMPOTENCY_REPLAY_UNAVAILABLE and no key is created', async () => {
    const t = await createTenant(gw.url);
    const key = randomUUID();
    expect((await call(gw.url, 'POST', `/v1/admin/tenants/${t.id}/api-keys`, { headers: { ...admin, 'idempotency-key': key } })).status).toBe(201);
    expectProblem(await call(rotated.url, 'POST', `/v1/admin/tenants/${t.id}/api-keys`, { headers: { ...otherAdmin, 'idempotency-key': key } }), 409, 'IDEMPOTENCY_REPLAY_UNAVAILABLE');
    expect(await keysOf(t.id)).toHaveLength(2);
  });
});
