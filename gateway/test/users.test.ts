import { randomUUID } from 'node:crypto';
import type { Agent } from 'undici';
import { eventually, sql } from '@autocall/testing';
import { admin, bearer, call, clientsFrom, closeClient, deadUrl, startFakeUpstream, startGateway, startSms, type Gateway, type Res } from './helpers';

/**
 * Issue 13 in the gateway: users and their login sessions, CSRF, login limits, roles on users and
 * keys, the tenant's own API keys; two replicas on one database for logout and revocation.
 */
let sms: Awaited<ReturnType<typeof startSms>>;
let fake: Awaited<ReturnType<typeof startFakeUpstream>>;
let gw: Gateway;
let gw2: Gateway;
const clients = clientsFrom();
const from = clients.from;

beforeAll(async () => {
  sms = await startSms();
  fake = await startFakeUpstream();
  const dead = await deadUrl();
  const env = { SMS_URL: sms.url, ROSTER_URL: fake.url, TASK_URL: dead, AUTH_FAILURES_PER_WINDOW: '1000' };
  gw = await startGateway(env);
  gw2 = await startGateway(env);
});
afterAll(async () => {
  await gw?.close();
  await gw2?.close();
  await sms?.svc.close();
  await fake?.close();
  await clients.close();
  await closeClient();
});

const PASSWORD = 'correct horse battery';
const expectProblem = (res: Res, status: number, code: string) => {
  expect([res.status, res.body?.code]).toEqual([status, code]);
  expect(String(res.headers['content-type'])).toContain('application/problem+json');
};
const email = (who = 'user') => `${who}-${randomUUID().slice(0, 8)}@Example.com`;

interface Session {
  cookie: string;
  csrf: string;
  user: { id: string; email: string; role: string };
  /** Headers of a cookie request; `csrf: false` leaves the token out. */
  h(o?: { csrf?: boolean | string }): Record<string, string>;
}

async function login(base: string, mail: string, password = PASSWORD, dispatcher?: Agent): Promise<Session> {
  const res = await call(base, 'POST', '/v1/auth/login', { json: { email: mail, password }, dispatcher });
  if (res.status !== 200) throw new Error(`login: ${res.status} ${res.text}`);
  const cookie = String(res.headers['set-cookie']).split(';')[0];
  const csrf = res.body.csrfToken as string;
  return {
    cookie,
    csrf,
    user: res.body.user,
    h: (o = {}) => ({ cookie, ...(o.csrf === false ? {} : { 'x-csrf-token': typeof o.csrf === 'string' ? o.csrf : csrf }) }),
  };
}

/** A tenant with an owner who has logged in. */
async function tenantWithOwner(base = gw.url) {
  const ownerEmail = email('owner');
  const res = await call(base, 'POST', '/v1/admin/tenants', { headers: admin, json: { name: `t-${randomUUID().slice(0, 6)}`, owner: { email: ownerEmail, name: 'Olive Owner', password: PASSWORD } } });
  expect(res.status).toBe(201);
  const owner = await login(base, ownerEmail);
  return { id: res.body.id as string, apiKey: res.body.apiKey as string, owner, created: res };
}

async function addUser(s: Session, role: string, base = gw.url) {
  const mail = email(role);
  const res = await call(base, 'POST', '/v1/users', { headers: s.h(), json: { email: mail, name: `A ${role}`, role, password: PASSWORD } });
  if (res.status !== 201) throw new Error(`user: ${res.status} ${res.text}`);
  return { id: res.body.id as string, email: mail, session: await login(base, mail) };
}

const me = (base: string, s: Session) => call(base, 'GET', '/v1/me', { headers: s.h() });

describe('the first owner and logging in', () => {
  it('when the admin creates a tenant with an owner, then the owner can log in: a HttpOnly, SameSite=Strict cookie, a CSRF token, and no password or hash anywhere', async () => {
    const t = await tenantWithOwner();
    expect(t.created.body.owner).toEqual({ id: expect.any(String), email: expect.stringMatching(/^owner-.*@example\.com$/), name: 'Olive Owner', role: 'owner' });
    expect(t.created.text).not.toContain(PASSWORD);
    const res = await call(gw.url, 'POST', '/v1/auth/login', { json: { email: t.owner.user.email.toUpperCase(), password: PASSWORD } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ user: t.owner.user, tenant: { id: t.id, name: expect.any(String) }, csrfToken: expect.any(String), expiresAt: expect.any(String) });
    const cookie = String(res.headers['set-cookie']);
    expect(cookie).toMatch(/^autocall_session=[A-Za-z0-9_-]{43}; Max-Age=604800; Path=\/; HttpOnly; SameSite=Strict$/);
    const token = cookie.split(';')[0].split('=')[1];
    const stored = JSON.stringify(await sql(`SELECT u.*, s.* FROM gateway.users u JOIN gateway.sessions s ON s.user_id = u.id WHERE u.tenant_id = $1`, [t.id]));
    expect(stored).not.toContain(token);
    expect(stored).not.toContain(PASSWORD);
    expect(res.text).not.toMatch(/scrypt|password/i);

    const m = await me(gw.url, t.owner);
    expect(m.status).toBe(200);
    expect(m.body).toEqual({ user: t.owner.user, tenant: { id: t.id, name: expect.any(String) }, role: 'owner', csrfToken: t.owner.csrf });
    const k = await call(gw.url, 'GET', '/v1/me', { headers: bearer(t.apiKey) });
    expect(k.body).toEqual({ apiKey: { id: expect.any(String), name: null, role: 'owner' }, tenant: { id: t.id, name: expect.any(String) }, role: 'owner' });
  });

  it('when the login body lacks a field, has a 10 KB password or a NUL in the email, then 400', async () => {
    expectProblem(await call(gw.url, 'POST', '/v1/auth/login', { json: { email: 'a@b.c' } }), 400, 'VALIDATION_FAILED');
    expectProblem(await call(gw.url, 'POST', '/v1/auth/login', { json: { email: 'a@b.c', password: 'x'.repeat(10_240) } }), 400, 'VALIDATION_FAILED');
    expectProblem(await call(gw.url, 'POST', '/v1/auth/login', { json: { email: 'a\u0000@b.c', password: PASSWORD } }), 400, 'VALIDATION_FAILED');
  });

  it('when the email is unknown or the password wrong, then the same 401 INVALID_CREDENTIALS in about the same time', async () => {
    const t = await tenantWithOwner();
    const time = async (json: object) => {
      const start = process.hrtime.bigint();
      const res = await call(gw.url, 'POST', '/v1/auth/login', { json, dispatcher: from('127.0.0.21') });
      return { res, ms: Number(process.hrtime.bigint() - start) / 1e6 };
    };
    const unknown = [];
    const wrong = [];
    for (let i = 0; i < 3; i++) {
      unknown.push(await time({ email: email('nobody'), password: PASSWORD }));
      wrong.push(await time({ email: t.owner.user.email, password: 'not the password' }));
    }
    for (const r of [...unknown, ...wrong]) expectProblem(r.res, 401, 'INVALID_CREDENTIALS');
    const strip = (r: Res) => ({ ...r.body, instance: undefined });
    expect(strip(unknown[0].res)).toEqual(strip(wrong[0].res));
    const median = (xs: { ms: number }[]) => xs.map((x) => x.ms).sort((a, b) => a - b)[1];
    const ratio = median(unknown) / median(wrong);
    expect(ratio).toBeGreaterThan(0.33);
    expect(ratio).toBeLessThan(3);
  });

  it('when one email fails 10 times, then 429 LOGIN_RATE_LIMITED with Retry-After even with the right password, on every replica, never AUTH_RATE_LIMITED; another email still logs in', async () => {
    const t = await tenantWithOwner();
    const other = await addUser(t.owner, 'viewer');
    const a = from('127.0.0.22');
    for (let i = 0; i < 10; i++) expectProblem(await call(gw.url, 'POST', '/v1/auth/login', { json: { email: t.owner.user.email, password: `wrong ${i}` }, dispatcher: a }), 401, 'INVALID_CREDENTIALS');
    for (const base of [gw.url, gw2.url]) {
      const res = await call(base, 'POST', '/v1/auth/login', { json: { email: t.owner.user.email, password: PASSWORD }, dispatcher: a });
      expectProblem(res, 429, 'LOGIN_RATE_LIMITED');
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(800);
    }
    expect((await call(gw.url, 'POST', '/v1/auth/login', { json: { email: other.email, password: PASSWORD }, dispatcher: a })).status).toBe(200);
  });

  it('when 40 wrong guesses for one email arrive at the same instant, then at most 10 are judged and the rest are 429', async () => {
    const t = await tenantWithOwner();
    const a = from('127.0.0.25');
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => call(gw.url, 'POST', '/v1/auth/login', { json: { email: t.owner.user.email, password: `guess ${i}` }, dispatcher: a })));
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(10);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(30);
    expect(statuses.every((s) => s === 401 || s === 429)).toBe(true);
  });

  it('when one address fails 50 times over many emails, then 429 LOGIN_RATE_LIMITED for any email from it; another address is unaffected', async () => {
    const t = await tenantWithOwner();
    const a = from('127.0.0.23');
    for (let i = 0; i < 50; i++) expect((await call(gw.url, 'POST', '/v1/auth/login', { json: { email: email('guess'), password: PASSWORD }, dispatcher: a })).status).toBe(401);
    expectProblem(await call(gw2.url, 'POST', '/v1/auth/login', { json: { email: t.owner.user.email, password: PASSWORD }, dispatcher: a }), 429, 'LOGIN_RATE_LIMITED');
    expect((await call(gw.url, 'POST', '/v1/auth/login', { json: { email: t.owner.user.email, password: PASSWORD }, dispatcher: from('127.0.0.24') })).status).toBe(200);
  });

  it('when a login carries an Idempotency-Key, then it is ignored: each login makes its own session and nothing is stored for replay', async () => {
    const t = await tenantWithOwner();
    const before = (await sql<{ n: number }>(`SELECT count(*)::int AS n FROM gateway.idempotency_keys`))[0].n;
    const go = () => call(gw.url, 'POST', '/v1/auth/login', { headers: { 'idempotency-key': 'same' }, json: { email: t.owner.user.email, password: PASSWORD } });
    const [a, b] = [await go(), await go()];
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(a.headers['idempotent-replayed']).toBeUndefined();
    expect(String(a.headers['set-cookie'])).not.toBe(String(b.headers['set-cookie']));
    expect((await sql<{ n: number }>(`SELECT count(*)::int AS n FROM gateway.idempotency_keys`))[0].n).toBe(before);
  });
});

describe('CSRF', () => {
  it('when a cookie request changes something without the X-CSRF-Token or with a wrong one, then 403 CSRF_TOKEN_INVALID and nothing is made; with it, it passes; an API key needs none', async () => {
    const t = await tenantWithOwner();
    const body = () => ({ email: email('c'), name: 'C', role: 'viewer', password: PASSWORD });
    expectProblem(await call(gw.url, 'POST', '/v1/users', { headers: t.owner.h({ csrf: false }), json: body() }), 403, 'CSRF_TOKEN_INVALID');
    expectProblem(await call(gw.url, 'POST', '/v1/users', { headers: t.owner.h({ csrf: 'x'.repeat(43) }), json: body() }), 403, 'CSRF_TOKEN_INVALID');
    expectProblem(await call(gw.url, 'POST', '/v1/auth/logout', { headers: t.owner.h({ csrf: false }) }), 403, 'CSRF_TOKEN_INVALID');
    expect((await sql(`SELECT id FROM gateway.users WHERE tenant_id = $1`, [t.id])).length).toBe(1);
    expect((await call(gw.url, 'GET', '/v1/users', { headers: t.owner.h({ csrf: false }) })).status).toBe(200);
    expect((await call(gw.url, 'POST', '/v1/users', { headers: t.owner.h(), json: body() })).status).toBe(201);
    expect((await call(gw.url, 'POST', '/v1/users', { headers: bearer(t.apiKey), json: body() })).status).toBe(201);
  });
});

describe('roles', () => {
  it('when a viewer creates a task or a roster, then 403 FORBIDDEN, but it may read; an operator may not create an API key, change the SMS account or list users', async () => {
    const t = await tenantWithOwner();
    const viewer = (await addUser(t.owner, 'viewer')).session;
    const operator = (await addUser(t.owner, 'operator')).session;
    expectProblem(await call(gw.url, 'POST', '/v1/tasks', { headers: viewer.h(), json: { name: 'x' } }), 403, 'FORBIDDEN');
    expectProblem(await call(gw.url, 'POST', `/v1/tasks/${randomUUID()}/pause`, { headers: viewer.h() }), 403, 'FORBIDDEN');
    expectProblem(await call(gw.url, 'DELETE', `/v1/rosters/${randomUUID()}`, { headers: viewer.h() }), 403, 'FORBIDDEN');
    expect((await call(gw.url, 'GET', '/v1/sms-templates', { headers: viewer.h() })).status).toBe(200);
    expect((await call(gw.url, 'GET', '/v1/rosters', { headers: viewer.h() })).status).toBe(200);
    expectProblem(await call(gw.url, 'GET', '/v1/users', { headers: viewer.h() }), 403, 'FORBIDDEN');
    expectProblem(await call(gw.url, 'GET', '/v1/audit-events', { headers: operator.h() }), 403, 'FORBIDDEN');
    expectProblem(await call(gw.url, 'POST', '/v1/api-keys', { headers: operator.h(), json: { name: 'ci', role: 'viewer' } }), 403, 'FORBIDDEN');
    expectProblem(await call(gw.url, 'PUT', '/v1/sms-account', { headers: operator.h(), json: { provider: 'simulated', senderId: 'ACME', status: 'active' } }), 403, 'FORBIDDEN');
    expect((await call(gw.url, 'POST', '/v1/sms-templates', { headers: operator.h(), json: { name: 'hello', content: 'Hi there' } })).status).toBeLessThan(403);
  });

  it('when an admin makes someone owner, or changes or deletes an owner, then 403; an owner may', async () => {
    const t = await tenantWithOwner();
    const adm = (await addUser(t.owner, 'admin')).session;
    const viewer = await addUser(adm, 'viewer');
    expectProblem(await call(gw.url, 'POST', '/v1/users', { headers: adm.h(), json: { email: email('o'), name: 'O', role: 'owner', password: PASSWORD } }), 403, 'FORBIDDEN');
    expectProblem(await call(gw.url, 'PATCH', `/v1/users/${viewer.id}`, { headers: adm.h(), json: { role: 'owner' } }), 403, 'FORBIDDEN');
    expectProblem(await call(gw.url, 'PATCH', `/v1/users/${t.owner.user.id}`, { headers: adm.h(), json: { name: 'Renamed' } }), 403, 'FORBIDDEN');
    expectProblem(await call(gw.url, 'DELETE', `/v1/users/${t.owner.user.id}`, { headers: adm.h() }), 403, 'FORBIDDEN');
    expect((await call(gw.url, 'PATCH', `/v1/users/${viewer.id}`, { headers: adm.h(), json: { role: 'operator' } })).body.role).toBe('operator');
    expect((await call(gw.url, 'PATCH', `/v1/users/${viewer.id}`, { headers: t.owner.h(), json: { role: 'owner' } })).body.role).toBe('owner');
  });

  it('when a request is proxied, then the service gets the role and the actor in headers the gateway sets, whatever the client sent, and never the cookie', async () => {
    const t = await tenantWithOwner();
    const viewer = await addUser(t.owner, 'viewer');
    fake.seen.length = 0;
    const res = await call(gw.url, 'GET', '/v1/rosters', { headers: { ...viewer.session.h(), 'x-autocall-role': 'owner', 'x-autocall-actor': 'admin' } });
    expect(res.status).toBe(200);
    const h = fake.seen[0].headers;
    expect([h['x-autocall-role'], h['x-autocall-actor'], h['x-autocall-tenant-id'], h.cookie, h['x-csrf-token']]).toEqual(['viewer', `user:${viewer.id}`, t.id, undefined, undefined]);
    await call(gw.url, 'GET', '/v1/rosters', { headers: { ...bearer(t.apiKey), 'x-autocall-role': 'viewer' } });
    expect(fake.seen[1].headers['x-autocall-role']).toBe('owner');
    expect(fake.seen[1].headers['x-autocall-actor']).toMatch(/^apiKey:/);
  });
});

describe('users', () => {
  it('when an email is already used (in any case, in any tenant), then 409 EMAIL_TAKEN', async () => {
    const t = await tenantWithOwner();
    const other = await tenantWithOwner();
    const res = await call(gw.url, 'POST', '/v1/users', { headers: t.owner.h(), json: { email: other.owner.user.email.toUpperCase(), name: 'Dup', role: 'viewer', password: PASSWORD } });
    expectProblem(res, 409, 'EMAIL_TAKEN');
    expectProblem(
      await call(gw.url, 'POST', '/v1/admin/tenants', { headers: admin, json: { name: 'dup', owner: { email: t.owner.user.email, name: 'x', password: PASSWORD } } }),
      409,
      'EMAIL_TAKEN',
    );
  });

  it('when a password is under 12 or over 128 characters, then 400', async () => {
    const t = await tenantWithOwner();
    for (const password of ['short', 'x'.repeat(129)]) {
      expectProblem(await call(gw.url, 'POST', '/v1/users', { headers: t.owner.h(), json: { email: email(), name: 'P', role: 'viewer', password } }), 400, 'VALIDATION_FAILED');
    }
  });

  it('when the last owner is deleted, demoted or disabled, then 409 LAST_OWNER; with a second owner it works', async () => {
    const t = await tenantWithOwner();
    const id = t.owner.user.id;
    expectProblem(await call(gw.url, 'DELETE', `/v1/users/${id}`, { headers: t.owner.h() }), 409, 'LAST_OWNER');
    expectProblem(await call(gw.url, 'PATCH', `/v1/users/${id}`, { headers: t.owner.h(), json: { role: 'admin' } }), 409, 'LAST_OWNER');
    expectProblem(await call(gw.url, 'PATCH', `/v1/users/${id}`, { headers: t.owner.h(), json: { disabled: true } }), 409, 'LAST_OWNER');
    const second = await addUser(t.owner, 'owner');
    expect((await call(gw.url, 'DELETE', `/v1/users/${id}`, { headers: second.session.h() })).status).toBe(204);
    expectProblem(await call(gw.url, 'DELETE', `/v1/users/${second.id}`, { headers: second.session.h() }), 409, 'LAST_OWNER');
  });

  it("when another tenant's user id is used, or a cookie goes to another tenant's resource, then 404", async () => {
    const t = await tenantWithOwner();
    const other = await tenantWithOwner();
    for (const method of ['GET', 'PATCH', 'DELETE']) {
      const res = await call(gw.url, method, `/v1/users/${other.owner.user.id}`, { headers: t.owner.h(), ...(method === 'PATCH' ? { json: { name: 'x' } } : {}) });
      expectProblem(res, 404, 'USER_NOT_FOUND');
    }
    const tpl = await call(gw.url, 'POST', '/v1/sms-templates', { headers: bearer(other.apiKey), json: { name: 'theirs', content: 'Hello' } });
    expect(tpl.status).toBe(201);
    expect((await call(gw.url, 'GET', `/v1/sms-templates/${tpl.body.id}`, { headers: t.owner.h() })).status).toBe(404);
  });

  it('when users are listed, read and renamed, then the shapes hold and never a password or hash', async () => {
    const t = await tenantWithOwner();
    const v = await addUser(t.owner, 'viewer');
    const list = await call(gw.url, 'GET', '/v1/users', { headers: t.owner.h() });
    expect(list.body).toMatchObject({ page: 1, pageSize: 20, total: 2 });
    expect(list.body.items.map((u: { id: string }) => u.id)).toEqual([v.id, t.owner.user.id]);
    const one = await call(gw.url, 'PATCH', `/v1/users/${v.id}`, { headers: t.owner.h(), json: { name: 'Vera' } });
    expect(one.body).toEqual({ id: v.id, email: v.email.toLowerCase(), name: 'Vera', role: 'viewer', disabled: false, createdAt: expect.any(String), updatedAt: expect.any(String) });
    for (const r of [list, one]) expect(r.text).not.toMatch(/password|scrypt|hash/i);
  });
});

describe('sessions end on every replica', () => {
  const refused = async (s: Session) => {
    for (const base of [gw.url, gw2.url]) {
      await eventually(async () => (await me(base, s)).status === 401, 3_000, 20);
      expectProblem(await me(base, s), 401, 'UNAUTHORIZED');
    }
  };
  /** Used on both replicas first, so that each holds the session in its cache. */
  const warm = async (s: Session) => {
    for (const base of [gw.url, gw2.url]) expect((await me(base, s)).status).toBe(200);
  };

  it('when a user logs out, then the session is refused at once on this replica and on the other', async () => {
    const t = await tenantWithOwner();
    await warm(t.owner);
    const res = await call(gw.url, 'POST', '/v1/auth/logout', { headers: t.owner.h() });
    expect(res.status).toBe(204);
    expect(String(res.headers['set-cookie'])).toContain('autocall_session=; Max-Age=0');
    expectProblem(await me(gw.url, t.owner), 401, 'UNAUTHORIZED');
    await refused(t.owner);
  });

  it('when a user changes their own password, then their other sessions end everywhere and this one goes on; the wrong current password is 403', async () => {
    const t = await tenantWithOwner();
    const other = await login(gw2.url, t.owner.user.email);
    await warm(other);
    expectProblem(await call(gw.url, 'POST', '/v1/me/password', { headers: t.owner.h(), json: { currentPassword: 'wrong wrong wrong', newPassword: 'another long secret' } }), 403, 'CURRENT_PASSWORD_WRONG');
    expect((await call(gw.url, 'POST', '/v1/me/password', { headers: t.owner.h(), json: { currentPassword: PASSWORD, newPassword: 'another long secret' } })).status).toBe(204);
    await refused(other);
    expect((await me(gw.url, t.owner)).status).toBe(200);
    await login(gw.url, t.owner.user.email, 'another long secret');
    expectProblem(await call(gw.url, 'POST', '/v1/auth/login', { json: { email: t.owner.user.email, password: PASSWORD } }), 401, 'INVALID_CREDENTIALS');
  });

  it('when an admin sets a new password, disables or deletes a user, then that user’s sessions are refused on every replica; a disabled user cannot log in', async () => {
    const t = await tenantWithOwner();
    const a = await addUser(t.owner, 'operator');
    const b = await addUser(t.owner, 'operator');
    const c = await addUser(t.owner, 'operator');
    for (const u of [a, b, c]) await warm(u.session);
    expect((await call(gw.url, 'PATCH', `/v1/users/${a.id}`, { headers: t.owner.h(), json: { password: 'a brand new secret' } })).status).toBe(200);
    await refused(a.session);
    expect((await call(gw2.url, 'PATCH', `/v1/users/${b.id}`, { headers: t.owner.h(), json: { disabled: true } })).status).toBe(200);
    await refused(b.session);
    expectProblem(await call(gw.url, 'POST', '/v1/auth/login', { json: { email: b.email, password: PASSWORD } }), 401, 'INVALID_CREDENTIALS');
    expect((await call(gw.url, 'DELETE', `/v1/users/${c.id}`, { headers: t.owner.h() })).status).toBe(204);
    await refused(c.session);
  });

  it('when a user is demoted, then every replica applies the new role to the open session', async () => {
    const t = await tenantWithOwner();
    const a = await addUser(t.owner, 'admin');
    for (const base of [gw.url, gw2.url]) expect((await call(base, 'GET', '/v1/users', { headers: a.session.h() })).status).toBe(200);
    expect((await call(gw.url, 'PATCH', `/v1/users/${a.id}`, { headers: t.owner.h(), json: { role: 'viewer' } })).status).toBe(200);
    for (const base of [gw.url, gw2.url]) await eventually(async () => (await call(base, 'GET', '/v1/users', { headers: a.session.h() })).status === 403, 3_000, 20);
  });

  it('when a session has been idle longer than SESSION_IDLE_MINUTES or is past SESSION_MAX_HOURS, then 401', async () => {
    const t = await tenantWithOwner();
    const other = await login(gw.url, t.owner.user.email);
    // a replica without the cache, so that the database's word is read on every request
    const uncached = await startGateway({ SMS_URL: sms.url, API_KEY_CACHE_TTL_MS: '0', SESSION_IDLE_MINUTES: '30' });
    try {
      expect((await me(uncached.url, t.owner)).status).toBe(200);
      const sessionOf = async (s: Session) => (await sql<{ id: string }>(`SELECT id FROM gateway.sessions WHERE token_hash = sha256(convert_to('session:' || $1, 'UTF8'))`, [s.cookie.split('=')[1]]))[0].id;
      await sql(`UPDATE gateway.sessions SET last_seen_at = now() - interval '31 minutes' WHERE id = $1`, [await sessionOf(t.owner)]);
      expectProblem(await me(uncached.url, t.owner), 401, 'UNAUTHORIZED');
      expect((await me(uncached.url, other)).status).toBe(200);
      await sql(`UPDATE gateway.sessions SET expires_at = now() - interval '1 second' WHERE id = $1`, [await sessionOf(other)]);
      expectProblem(await me(uncached.url, other), 401, 'UNAUTHORIZED');
    } finally {
      await uncached.close();
    }
  });

  it('when a cookie is unknown, then 401, and such failures count toward the per-address limit like unknown keys', async () => {
    const strict = await startGateway({ SMS_URL: sms.url, AUTH_FAILURES_PER_WINDOW: '3' });
    try {
      const bad = { cookie: `autocall_session=${'A'.repeat(43)}` };
      for (let i = 0; i < 3; i++) expectProblem(await call(strict.url, 'GET', '/v1/me', { headers: bad }), 401, 'UNAUTHORIZED');
      expectProblem(await call(strict.url, 'GET', '/v1/me', { headers: bad }), 429, 'AUTH_RATE_LIMITED');
    } finally {
      await strict.close();
    }
  });
});

describe("the tenant's own API keys", () => {
  it('when an admin makes a key, then it is shown once, has its role (at most the creator’s), is listed with createdBy and lastUsedAt, and stops working when revoked', async () => {
    const t = await tenantWithOwner();
    const adm = await addUser(t.owner, 'admin');
    expectProblem(await call(gw.url, 'POST', '/v1/api-keys', { headers: adm.session.h(), json: { name: 'too big', role: 'owner' } }), 403, 'FORBIDDEN');
    const res = await call(gw.url, 'POST', '/v1/api-keys', { headers: adm.session.h(), json: { name: 'ci', role: 'operator' } });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ id: expect.any(String), name: 'ci', role: 'operator', apiKey: expect.stringMatching(/^ak_/), createdAt: expect.any(String) });
    expect(res.headers.location).toBe(`/v1/api-keys/${res.body.id}`);
    const key = res.body.apiKey as string;
    expect((await call(gw.url, 'GET', '/v1/me', { headers: bearer(key) })).body).toMatchObject({ apiKey: { id: res.body.id, name: 'ci', role: 'operator' }, role: 'operator' });
    expectProblem(await call(gw.url, 'GET', '/v1/users', { headers: bearer(key) }), 403, 'FORBIDDEN');
    // lastUsedAt is written beside the request, not in its path: it shows once that write is in
    const list = await eventually(async () => {
      const l = await call(gw.url, 'GET', '/v1/api-keys', { headers: adm.session.h() });
      return l.body.items[0]?.lastUsedAt ? l : undefined;
    });
    expect(list.body.items[0]).toEqual({ id: res.body.id, name: 'ci', role: 'operator', createdAt: expect.any(String), lastUsedAt: expect.any(String), revokedAt: null, createdBy: adm.id });
    expect(list.body.items[1]).toMatchObject({ role: 'owner', createdBy: null, name: null });
    expect(list.text).not.toContain(key);
    expect((await call(gw.url, 'DELETE', `/v1/api-keys/${res.body.id}`, { headers: adm.session.h() })).status).toBe(204);
    expectProblem(await call(gw2.url, 'GET', '/v1/me', { headers: bearer(key) }), 401, 'UNAUTHORIZED');
    const other = await tenantWithOwner();
    expectProblem(await call(gw.url, 'DELETE', `/v1/api-keys/${other.created.body.apiKeyId}`, { headers: adm.session.h() }), 404, 'API_KEY_NOT_FOUND');
  });
});

describe('a key is never above its maker', () => {
  const makeKey = async (s: Session, role: string) => {
    const res = await call(gw.url, 'POST', '/v1/api-keys', { headers: s.h(), json: { name: `k-${role}`, role } });
    expect(res.status).toBe(201);
    return { id: res.body.id as string, key: res.body.apiKey as string };
  };
  const works = async (key: string) => (await call(gw2.url, 'GET', '/v1/me', { headers: bearer(key) })).status;

  it('when the maker of keys is demoted, then the keys above the new role stop working on every replica and the rest go on', async () => {
    const t = await tenantWithOwner();
    const adm = await addUser(t.owner, 'admin');
    const high = await makeKey(adm.session, 'admin');
    const low = await makeKey(adm.session, 'viewer');
    expect(await works(high.key)).toBe(200);
    expect((await call(gw.url, 'PATCH', `/v1/users/${adm.id}`, { headers: t.owner.h(), json: { role: 'operator' } })).status).toBe(200);
    await eventually(async () => (await works(high.key)) === 401, 3_000, 20);
    expect(await works(low.key)).toBe(200);
    const listed = await call(gw.url, 'GET', '/v1/api-keys', { headers: t.owner.h() });
    expect(listed.body.items.find((k: { id: string }) => k.id === high.id).revokedAt).toEqual(expect.any(String));
  });

  it('when the maker is disabled or deleted, then all of their keys stop working on every replica', async () => {
    const t = await tenantWithOwner();
    const a = await addUser(t.owner, 'admin');
    const b = await addUser(t.owner, 'admin');
    const ka = await makeKey(a.session, 'viewer');
    const kb = await makeKey(b.session, 'operator');
    expect([await works(ka.key), await works(kb.key)]).toEqual([200, 200]);
    expect((await call(gw.url, 'PATCH', `/v1/users/${a.id}`, { headers: t.owner.h(), json: { disabled: true } })).status).toBe(200);
    expect((await call(gw.url, 'DELETE', `/v1/users/${b.id}`, { headers: t.owner.h() })).status).toBe(204);
    await eventually(async () => (await works(ka.key)) === 401 && (await works(kb.key)) === 401, 3_000, 20);
  });

  it("when an admin revokes the owner's key, then 403 FORBIDDEN and the key still works", async () => {
    const t = await tenantWithOwner();
    const adm = await addUser(t.owner, 'admin');
    expectProblem(await call(gw.url, 'DELETE', `/v1/api-keys/${t.created.body.apiKeyId}`, { headers: adm.session.h() }), 403, 'FORBIDDEN');
    expect(await works(t.apiKey)).toBe(200);
  });
});

describe('the hook for open streams', () => {
  it('when a session is logged out or its user changed on one replica, or a key revoked, then a stream watching it on the other replica is told', async () => {
    const t = await tenantWithOwner();
    const v = await addUser(t.owner, 'viewer');
    const seen: string[] = [];
    const ends = gw2.svc.app.credentialEnds;
    const sessionId = (await sql<{ id: string }>(`SELECT id FROM gateway.sessions WHERE user_id = $1 AND ended_at IS NULL`, [t.owner.user.id]))[0].id;
    ends.watch(sessionId, () => seen.push('owner session'));
    ends.watch(v.id, () => seen.push('viewer user'));
    const key = await call(gw.url, 'POST', '/v1/api-keys', { headers: t.owner.h(), json: { name: 'stream', role: 'viewer' } });
    ends.watch(key.body.id, () => seen.push('key'));
    const stop = ends.watch(key.body.id, () => seen.push('stopped watcher'));
    stop();
    await call(gw.url, 'PATCH', `/v1/users/${v.id}`, { headers: t.owner.h(), json: { disabled: true } });
    await call(gw.url, 'DELETE', `/v1/api-keys/${key.body.id}`, { headers: t.owner.h() });
    await call(gw.url, 'POST', '/v1/auth/logout', { headers: t.owner.h() });
    await eventually(() => seen.length === 3, 3_000, 20);
    expect(seen.sort()).toEqual(['key', 'owner session', 'viewer user']);
  });
});
