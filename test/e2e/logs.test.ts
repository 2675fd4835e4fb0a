/**
 * @jest-environment-options {"customExportConditions": ["node", "node-addons", "module-sync"]}
 *
 * No secret and no phone number reaches a log line (issue 11, item 6). The whole platform runs
 * with the production loggers (libs/logger) writing every line, debug included, into memory; a
 * real database error is provoked on a request that carries SMS provider secrets and a phone
 * number: a CHECK constraint that refuses every new SMS account row, added for the test, makes
 * PostgreSQL fail the INSERT, and TypeORM's QueryFailedError then carries the SQL, its parameters
 * (the secrets) and pg's `detail` ("Failing row contains (…)", the phone number). The error must be
 * logged, with its code, and nothing of the request's values.
 */
import { Writable } from 'node:stream';
import { createLogger } from '@autocall/logger';
import { sql } from '@autocall/testing';
import { SMS_SCHEMA } from '../../services/sms/src/app';
import { admin } from '../../gateway/test/helpers';
import { call, newTenant, startPlatform, type Platform } from './platform';

const PASSWORD = 'pw-Zq8v4Lr2Nk7x';
const API_KEY = 'key-Hs5Pw9Dm3Tc6';
/** One number in the forms a client may send it; every form holds the national digits. */
const NATIONAL = '8123456789';
const PHONE = `+62${NATIONAL}`;

const lines: string[] = [];
const sink = new Writable({
  write(chunk: Buffer, _enc, cb) {
    lines.push(chunk.toString('utf8'));
    cb();
  },
});

let platform: Platform;
beforeAll(async () => {
  platform = await startPlatform({ logger: (service) => createLogger(service, 'debug', sink) });
}, 120_000);
afterAll(() => platform?.close());

describe('logs', () => {
  it('when a request with secrets and a phone number fails in the database, then the error is logged with its code and no line holds a secret or the number', async () => {
    const tenant = await newTenant(platform.url);
    await sql(`ALTER TABLE ${SMS_SCHEMA}.accounts ADD CONSTRAINT log_test_refuses CHECK (false) NOT VALID`);
    let res;
    try {
      res = await call(platform.url, 'PUT', '/v1/sms-account', {
        headers: tenant.auth,
        json: { provider: 'simulated', senderId: `0${NATIONAL}`, status: 'active', settings: { username: PHONE, password: PASSWORD, apiKey: API_KEY } },
      });
    } finally {
      await sql(`ALTER TABLE ${SMS_SCHEMA}.accounts DROP CONSTRAINT log_test_refuses`);
    }
    expect(res.status).toBe(500);
    expect(res.body).toMatchObject({ code: 'INTERNAL_ERROR' });
    expect(res.text).not.toMatch(/accounts|constraint|INSERT/);

    const logged = lines.map((l) => JSON.parse(l) as { err?: { type?: string; code?: string; message?: string; table?: string }; msg?: string });
    const failure = logged.find((l) => l.err?.type === 'QueryFailedError');
    expect(failure?.err).toMatchObject({ code: '23514', table: 'accounts', message: expect.stringContaining('log_test_refuses') });

    const leaks = lines.filter((l) => l.includes(PASSWORD) || l.includes(API_KEY) || l.includes(NATIONAL) || /"(query|parameters|detail|where|internalQuery|driverError)"/.test(l));
    expect(leaks).toEqual([]);
    expect(lines.length).toBeGreaterThan(5); // the loggers were really writing
  });

  it('when people log in, fail to, change and set passwords and use their sessions, then no line holds a password, a password hash, a session token or a CSRF token', async () => {
    const from = lines.length;
    const email = `owner-${Date.now()}@example.com`;
    const secret = 'owner-Pw-7Yq2Lm9Xc4';
    const next = 'owner-Next-3Rt8Vb1Kd6';
    const userPassword = 'user-Pw-5Hs2Nq8Zt3';
    await call(platform.url, 'POST', '/v1/admin/tenants', { headers: admin, json: { name: 'logs', owner: { email, name: 'O', password: secret } } });
    const failed = await call(platform.url, 'POST', '/v1/auth/login', { json: { email, password: `${secret}-wrong` } });
    expect(failed.status).toBe(401);
    const res = await call(platform.url, 'POST', '/v1/auth/login', { json: { email, password: secret } });
    expect(res.status).toBe(200);
    const token = String(res.headers['set-cookie']).split(';')[0].split('=')[1];
    const h = { cookie: `autocall_session=${token}`, 'x-csrf-token': res.body.csrfToken as string };
    expect((await call(platform.url, 'GET', '/v1/me', { headers: h })).status).toBe(200);
    expect((await call(platform.url, 'POST', '/v1/users', { headers: h, json: { email: `u-${Date.now()}@example.com`, name: 'U', role: 'viewer', password: userPassword } })).status).toBe(201);
    expect((await call(platform.url, 'POST', '/v1/me/password', { headers: h, json: { currentPassword: secret, newPassword: next } })).status).toBe(204);
    expect((await call(platform.url, 'GET', '/v1/rosters', { headers: h })).status).toBe(200);
    const hashes = (await sql<{ password_hash: string }>(`SELECT password_hash FROM gateway.users`)).map((r) => r.password_hash.split('$').pop() as string);
    const mine = lines.slice(from);
    expect(mine.length).toBeGreaterThan(5);
    const secrets = [secret, next, userPassword, token, res.body.csrfToken as string, ...hashes];
    expect(mine.filter((l) => secrets.some((x) => l.includes(x)))).toEqual([]);
  });
});
