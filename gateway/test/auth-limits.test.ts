import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import type { Agent } from 'undici';
import { eventually, expectProblem, sql, testDatabaseUrl } from '@autocall/testing';
import { LISTENER_APPLICATION_NAME } from '../src/data/api-key-listener';
import { admin, bearer, call, clientsFrom, closeClient, createTenant, startGateway, startSms, type Gateway, type Res } from './helpers';

/**
 * Failed authentications are limited per client address before any key lookup, and the gateway's
 * cache of live API keys never outlives a revocation: at once on the replica that revoked, on the
 * others when PostgreSQL notifies them, and when a notification may have been missed (listener
 * connection lost) the cache is dropped.
 */
let sms: Awaited<ReturnType<typeof startSms>>;
const clients = clientsFrom();
const from = clients.from;

beforeAll(async () => {
  sms = await startSms();
});
afterAll(async () => {
  await clients.close();
  await sms?.svc.close();
  await closeClient();
});

const randomKey = () => `ak_${randomBytes(32).toString('base64url')}`;
const templates = (gw: Gateway, key: string, dispatcher?: Agent, headers: Record<string, string> = {}) =>
  call(gw.url, 'GET', '/v1/sms-templates', { headers: { ...bearer(key), ...headers }, dispatcher });

/** Everything the gateway stores about tenants, keys and idempotency, to show that nothing changed. */
const gatewayState = async () =>
  JSON.stringify([
    await sql(`SELECT id, tenant_id, encode(key_hash, 'hex') AS h, created_at, last_used_at, revoked_at FROM gateway.api_keys ORDER BY id`),
    await sql(`SELECT id, name FROM gateway.tenants ORDER BY id`),
    await sql(`SELECT count(*)::int AS n FROM gateway.idempotency_keys`),
  ]);

/** The gateways' LISTEN sessions on this worker's database. */
const listeners = async () =>
  (
    await sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1 AND state = 'idle' AND query ILIKE 'LISTEN%'`,
      [LISTENER_APPLICATION_NAME],
    )
  )[0].n;

/** Revokes a key the way no gateway hears of: the notify trigger does not fire in a replica-role session. */
async function revokeUnheard(keyId: string) {
  const c = new Client({ connectionString: testDatabaseUrl() });
  await c.connect();
  try {
    await c.query(`SET session_replication_role = replica`);
    await c.query(`UPDATE gateway.api_keys SET revoked_at = now() WHERE id = $1`, [keyId]);
  } finally {
    await c.end();
  }
}

describe('failed authentications per client address', () => {
  it('when one address sends random well-formed keys, then 401 up to the limit, then 429 AUTH_RATE_LIMITED for any key that needs a lookup (cached keys and the admin token still pass); another address is unaffected and nothing in the database changes', async () => {
    const gw = await startGateway({ SMS_URL: sms.url, AUTH_FAILURES_PER_WINDOW: '5', AUTH_FAILURE_WINDOW_SECONDS: '600' });
    const attacker = from('127.0.0.2');
    const user = from('127.0.0.3');
    try {
      const tenant = await createTenant(gw.url);
      const unused = (await call(gw.url, 'POST', `/v1/admin/tenants/${tenant.id}/api-keys`, { headers: admin })).body.apiKey as string;
      expect((await templates(gw, tenant.apiKey, user)).status).toBe(200);
      // the key's last-used time is written once a minute: let this first write land before the snapshot
      await eventually(async () => (await sql(`SELECT last_used_at FROM gateway.api_keys WHERE id = $1`, [tenant.apiKeyId]))[0].last_used_at);
      const before = await gatewayState();

      const answers: Res[] = [];
      for (let i = 0; i < 8; i++) answers.push(await templates(gw, randomKey(), attacker));
      expect(answers.map((r) => r.status)).toEqual([401, 401, 401, 401, 401, 429, 429, 429]);
      expectProblem(answers[4], 401, 'UNAUTHORIZED');
      const blocked = answers[7];
      expectProblem(blocked, 429, 'AUTH_RATE_LIMITED');
      expect(Number(blocked.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(Number(blocked.headers['retry-after'])).toBeLessThanOrEqual(600);
      // refused before any lookup: no key, or a valid key this replica would have to look up
      expectProblem(await templates(gw, unused, attacker), 429, 'AUTH_RATE_LIMITED');
      expectProblem(await call(gw.url, 'GET', '/v1/sms-templates', { dispatcher: attacker }), 429, 'AUTH_RATE_LIMITED');
      // what needs no lookup still passes, so one bad client behind a shared address locks nobody out:
      // the admin token, and a key the replica holds as live (just used, so cached)
      expect((await call(gw.url, 'GET', '/v1/admin/tenants', { headers: admin, dispatcher: attacker })).status).toBe(200);
      expect((await templates(gw, tenant.apiKey, user)).status).toBe(200);
      expect((await templates(gw, tenant.apiKey, attacker)).status).toBe(200);

      // another address: its valid key works, its own mistakes get 401 from its own budget
      expect((await templates(gw, tenant.apiKey, user)).status).toBe(200);
      expectProblem(await templates(gw, randomKey(), user), 401, 'UNAUTHORIZED');
      expect((await call(gw.url, 'GET', '/v1/admin/tenants', { headers: admin })).status).toBe(200);

      expect(await gatewayState()).toBe(before);
    } finally {
      await gw.close();
    }
  });

  it('when X-Forwarded-For names other clients, then it counts only if it comes from a trusted proxy (TRUST_PROXY)', async () => {
    const direct = await startGateway({ SMS_URL: sms.url, AUTH_FAILURES_PER_WINDOW: '2', AUTH_FAILURE_WINDOW_SECONDS: '600' });
    const behindLb = await startGateway({ SMS_URL: sms.url, AUTH_FAILURES_PER_WINDOW: '2', AUTH_FAILURE_WINDOW_SECONDS: '600', TRUST_PROXY: '127.0.0.4' });
    const lb = from('127.0.0.4');
    const other = from('127.0.0.5');
    try {
      // not trusted: a client cannot buy fresh budgets by inventing addresses
      const spoofed = [];
      for (let i = 1; i <= 3; i++) spoofed.push((await templates(direct, randomKey(), other, { 'x-forwarded-for': `203.0.113.${i}` })).status);
      expect(spoofed).toEqual([401, 401, 429]);

      // a trusted load balancer: each client behind it has its own budget, and the proxy itself is not blamed
      const tenant = await createTenant(behindLb.url);
      const behind = [];
      for (let i = 0; i < 3; i++) behind.push((await templates(behindLb, randomKey(), lb, { 'x-forwarded-for': '203.0.113.7' })).status);
      expect(behind).toEqual([401, 401, 429]);
      expect((await templates(behindLb, tenant.apiKey, lb, { 'x-forwarded-for': '203.0.113.8' })).status).toBe(200);
      expect((await templates(behindLb, randomKey(), lb, { 'x-forwarded-for': '2001:db8:1:2::9' })).status).toBe(401);
      expect((await templates(behindLb, randomKey(), lb, { 'x-forwarded-for': '2001:db8:1:2:ffff::1' })).status).toBe(401);
      // the same /64: one subscriber's block shares one budget
      expectProblem(await templates(behindLb, randomKey(), lb, { 'x-forwarded-for': '2001:db8:1:2:abcd::5' }), 429, 'AUTH_RATE_LIMITED');
    } finally {
      await direct.close();
      await behindLb.close();
    }
  });
});

describe('API key cache and revocation', () => {
  // a cache entry outlives every test here: only a notification or a lost listener can end it
  const env = { API_KEY_CACHE_TTL_MS: '3600000', AUTH_FAILURES_PER_WINDOW: '100000' };

  it('when a key is revoked on one replica, then that replica refuses it at once and the other as soon as PostgreSQL notifies it; the tenant’s other key keeps working', async () => {
    const gw1 = await startGateway({ ...env, SMS_URL: sms.url });
    const gw2 = await startGateway({ ...env, SMS_URL: sms.url });
    try {
      await eventually(async () => (await listeners()) === 2);
      const tenant = await createTenant(gw1.url);
      const second = (await call(gw1.url, 'POST', `/v1/admin/tenants/${tenant.id}/api-keys`, { headers: admin })).body as { apiKey: string };
      for (const gw of [gw1, gw2]) {
        expect((await templates(gw, tenant.apiKey)).status).toBe(200);
        expect((await templates(gw, second.apiKey)).status).toBe(200);
      }
      expect((await call(gw1.url, 'DELETE', `/v1/admin/tenants/${tenant.id}/api-keys/${tenant.apiKeyId}`, { headers: admin })).status).toBe(204);
      expectProblem(await templates(gw1, tenant.apiKey), 401, 'UNAUTHORIZED');
      await eventually(async () => (await templates(gw2, tenant.apiKey)).status === 401);
      expect((await templates(gw1, second.apiKey)).status).toBe(200);
      expect((await templates(gw2, second.apiKey)).status).toBe(200);
    } finally {
      await gw1.close();
      await gw2.close();
    }
  });

  it('when the replica’s LISTEN connection is lost, then it drops its cache, so a revocation it could not hear is refused too; it listens again afterwards', async () => {
    const gw = await startGateway({ ...env, SMS_URL: sms.url });
    try {
      await eventually(async () => (await listeners()) === 1);
      const tenant = await createTenant(gw.url);
      const second = (await call(gw.url, 'POST', `/v1/admin/tenants/${tenant.id}/api-keys`, { headers: admin })).body as { id: string; apiKey: string };
      expect((await templates(gw, tenant.apiKey)).status).toBe(200);
      expect((await templates(gw, second.apiKey)).status).toBe(200);
      await revokeUnheard(tenant.apiKeyId);
      // unheard, so still served from the cache (what the TTL bounds) ...
      expect((await templates(gw, tenant.apiKey)).status).toBe(200);
      // ... until the connection that would have carried the notification drops
      await sql(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1`, [LISTENER_APPLICATION_NAME]);
      await eventually(async () => (await templates(gw, tenant.apiKey)).status === 401);
      await eventually(async () => (await listeners()) === 1);
      expectProblem(await templates(gw, tenant.apiKey), 401, 'UNAUTHORIZED');
      expect((await templates(gw, second.apiKey)).status).toBe(200);
      // listening again: an operator's revocation in SQL is heard (the trigger notifies)
      await sql(`UPDATE gateway.api_keys SET revoked_at = now() WHERE id = $1`, [second.id]);
      await eventually(async () => (await templates(gw, second.apiKey)).status === 401);
    } finally {
      await gw.close();
    }
  });

  it('when a revocation is never notified, then the key still stops working once API_KEY_CACHE_TTL_MS has passed', async () => {
    const gw = await startGateway({ SMS_URL: sms.url, API_KEY_CACHE_TTL_MS: '300', AUTH_FAILURES_PER_WINDOW: '100000' });
    try {
      await eventually(async () => (await listeners()) === 1);
      const tenant = await createTenant(gw.url);
      expect((await templates(gw, tenant.apiKey)).status).toBe(200);
      await revokeUnheard(tenant.apiKeyId);
      await eventually(async () => (await templates(gw, tenant.apiKey)).status === 401);
    } finally {
      await gw.close();
    }
  });
});
