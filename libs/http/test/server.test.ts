import { Type } from '@sinclair/typebox';
import { createLogger } from '@autocall/logger';
import { commonMultipartProblem, createServer, secretsEqual, type App } from '../src';
import { findBadString, jsonDepthOver, parseQuery } from '../src/strings';

const TOKEN = 'internal-token-0123456789abcdef';
const inside = { 'x-internal-token': TOKEN, 'x-autocall-tenant-id': '0190a0a0-0000-7000-8000-000000000001' };

function service(): App {
  const app = createServer({ name: 'test', logger: createLogger('test', 'silent'), internalToken: TOKEN });
  app.route({
    method: ['POST', 'PUT'],
    url: '/things',
    schema: { body: Type.Object({ name: Type.String(), tags: Type.Optional(Type.Array(Type.String())), settings: Type.Optional(Type.Object({ url: Type.String() })) }) },
    handler: async (req) => ({ seen: req.body }),
  });
  app.post('/any', async (req) => ({ ok: true, type: typeof req.body }));
  app.post('/lenient', { config: { strings: 'replace' } }, async (req) => ({ seen: req.body }));
  app.get('/things/:id', { schema: { params: Type.Object({ id: Type.String() }) } }, async (req) => ({ id: (req.params as { id: string }).id, query: req.query }));
  app.get('/pages', { schema: { querystring: Type.Object({ page: Type.Integer({ minimum: 1, default: 1 }), small: Type.Optional(Type.Integer({ maximum: 10 })) }) } }, async (req) => req.query);
  app.get('/boom', async () => {
    throw Object.assign(new Error('duplicate key value: password=hunter2 phone=+6281234567890'), { query: 'INSERT INTO x', parameters: ['hunter2'] });
  });
  return app;
}

const json = (app: App, url: string, payload: string | Buffer, method: 'POST' | 'PUT' = 'POST') =>
  app.inject({ method, url, headers: { ...inside, 'content-type': 'application/json' }, payload });

describe('the strings rule (every body, query and path string is UTF-8 without NUL or lone surrogates)', () => {
  let app: App;
  beforeAll(async () => {
    app = service();
    await app.ready();
  });
  afterAll(() => app.close());

  it('when a JSON string holds NUL, then 400 VALIDATION_FAILED naming the field (it used to reach the database: 500)', async () => {
    const res = await json(app, '/things', JSON.stringify({ name: 'A\u0000' }), 'PUT');
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/problem\+json/);
    expect(res.json()).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: 'name', message: expect.stringMatching(/NUL/) }] });
  });

  it('when a nested string or an array item holds a lone surrogate (escaped or not), then 400 naming its path', async () => {
    const escaped = await json(app, '/things', '{"name":"ok","settings":{"url":"http://x/\\ud800"}}');
    expect(escaped.statusCode).toBe(400);
    expect(escaped.json().errors).toEqual([{ field: 'settings.url', message: expect.stringMatching(/surrogate/) }]);
    const item = await json(app, '/things', JSON.stringify({ name: 'ok', tags: ['fine', 'x\udc00'] }));
    expect(item.json().errors).toEqual([{ field: 'tags.1', message: expect.stringMatching(/surrogate/) }]);
  });

  it('when a key holds NUL, then 400 naming it', async () => {
    const res = await json(app, '/any', '{"a\\u0000b":1}');
    expect(res.statusCode).toBe(400);
    expect(res.json().errors[0].field).toBe('a\u0000b');
  });

  it('when a JSON body has bytes that are not UTF-8, then 400 naming the field (JSON.parse alone would store U+FFFD)', async () => {
    const body = Buffer.concat([Buffer.from('{"name":"ab'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
    const res = await json(app, '/things', body);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: 'name', message: 'is not valid UTF-8' }] });
    // an encoded surrogate (CESU-8) is not UTF-8 either
    const cesu = await json(app, '/things', Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}')]));
    expect(cesu.statusCode).toBe(400);
  });

  it('when a text/plain body is not UTF-8, then 400', async () => {
    const res = await app.inject({ method: 'POST', url: '/any', headers: { ...inside, 'content-type': 'text/plain' }, payload: Buffer.from([0x61, 0xc3]) });
    expect(res.statusCode).toBe(400);
  });

  it('when valid UTF-8 of every plane arrives (Han, emoji, U+FFFD itself), then it passes untouched', async () => {
    const name = '客户 😀 \ufffd é';
    const res = await json(app, '/things', JSON.stringify({ name }));
    expect(res.statusCode).toBe(200);
    expect(res.json().seen.name).toBe(name);
  });

  it('when JSON nests 100,000 levels deep, then 400 at once and the server lives on', async () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    const res = await json(app, '/any', deep);
    expect(res.statusCode).toBe(400);
    expect(res.json().errors[0].message).toMatch(/deeper/);
    const obj = '{"a":'.repeat(50_000) + '1' + '}'.repeat(50_000);
    expect((await json(app, '/any', obj)).statusCode).toBe(400);
    expect((await json(app, '/any', '{"a":"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}')).statusCode).toBe(200);
  });

  it("when a route says `strings: 'replace'` (API.md's SMS callbacks), then NUL, lone surrogates and bad bytes arrive as U+FFFD instead of a 400", async () => {
    const body = Buffer.concat([Buffer.from('{"text":"STOP\\u0000 \\ud800 '), Buffer.from([0xff]), Buffer.from('"}')]);
    const res = await json(app, '/lenient', body);
    expect(res.statusCode).toBe(200);
    expect(res.json().seen.text).toBe('STOP\ufffd \ufffd \ufffd');
  });

  it('when __proto__ is in a JSON body, then 400 as before', async () => {
    expect((await json(app, '/any', '{"__proto__":{"x":1}}')).statusCode).toBe(400);
  });

  it.each([
    ['%00', 'NUL'],
    ['%FF', 'not valid UTF-8'],
    ['%ED%A0%80', 'not valid UTF-8'],
    ['%E0%A4%A', 'not valid UTF-8'],
  ])('when a query value is %s, then 400 naming query.name (%s)', async (value, message) => {
    const res = await app.inject({ method: 'GET', url: `/things/abc?name=${value}`, headers: inside });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: 'query.name', message: expect.stringContaining(message) }] });
  });

  it('when query values are fine, then they arrive decoded, repeated keys as arrays', async () => {
    const res = await app.inject({ method: 'GET', url: '/things/abc?name=%E5%AE%A2+x&tag=a&tag=b&empty', headers: inside });
    expect(res.statusCode).toBe(200);
    expect(res.json().query).toEqual({ name: '客 x', tag: ['a', 'b'], empty: '' });
  });

  it('when a path id holds NUL, then 400 INVALID_ID', async () => {
    const res = await app.inject({ method: 'GET', url: '/things/a%00b', headers: inside });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('INVALID_ID');
  });

  it('when a path has a percent-escape that is not UTF-8, then 400 INVALID_PATH as problem+json (the router answered its own JSON)', async () => {
    for (const url of ['/things/%FF', '/things/%ED%A0%80']) {
      const res = await app.inject({ method: 'GET', url, headers: inside });
      expect([url, res.statusCode, res.headers['content-type'], res.json().code]).toEqual([url, 400, 'application/problem+json; charset=utf-8', 'INVALID_PATH']);
    }
  });

  it('when an integer without a maximum of its own is 1e308 or past PostgreSQL integer, then 400 (page=1e308 reached SQL as an OFFSET: 500)', async () => {
    for (const page of ['1e308', '1e%2B308', '2147483648', '99999999999999999999']) {
      const res = await app.inject({ method: 'GET', url: `/pages?page=${page}`, headers: inside });
      expect({ page, status: res.statusCode, code: res.json().code }).toEqual({ page, status: 400, code: 'VALIDATION_FAILED' });
    }
    expect((await app.inject({ method: 'GET', url: '/pages?page=2147483647&small=-5', headers: inside })).json()).toEqual({ page: 2147483647, small: -5 });
    expect((await app.inject({ method: 'GET', url: '/pages?small=11', headers: inside })).statusCode).toBe(400);
  });

  it('when a handler fails with a driver error, then the 500 says nothing of it', async () => {
    const res = await app.inject({ method: 'GET', url: '/boom', headers: inside });
    expect(res.statusCode).toBe(500);
    expect(res.body).not.toMatch(/hunter2|6281234567890|INSERT|duplicate/);
    expect(res.json()).toMatchObject({ code: 'INTERNAL_ERROR' });
  });
});

describe('pure helpers', () => {
  it('commonMultipartProblem: a body cut inside a part is MALFORMED_MULTIPART (400), not a 500 (found by the fuzz test)', () => {
    expect(commonMultipartProblem(new Error('Part terminated early due to unexpected end of multipart data'), '"file"')).toMatchObject({ code: 'MALFORMED_MULTIPART', status: 400 });
  });

  it('findBadString walks a million-deep array without overflowing the stack', () => {
    let v: unknown = 'x\u0000';
    for (let i = 0; i < 1_000_000; i++) v = [v];
    expect(findBadString(v)?.message).toMatch(/NUL/);
  });

  it('jsonDepthOver ignores brackets inside strings and escaped quotes', () => {
    expect(jsonDepthOver('{"a":"[[[[\\"[[["}', 2)).toBe(false);
    expect(jsonDepthOver('[[[1]]]', 2)).toBe(true);
  });

  it('parseQuery keeps __proto__ harmless', () => {
    const q = parseQuery('__proto__=1&a=2');
    expect(Object.getPrototypeOf(q)).toBeNull();
    expect(q.a).toBe('2');
  });
});

describe('/metrics and the internal token', () => {
  it('secretsEqual compares digests: equal, unequal, and any length without throwing', () => {
    expect(secretsEqual(TOKEN, TOKEN)).toBe(true);
    expect(secretsEqual(TOKEN.slice(0, -1), TOKEN)).toBe(false);
    expect(secretsEqual('', TOKEN)).toBe(false);
    expect(secretsEqual(TOKEN + 'x'.repeat(10_000), TOKEN)).toBe(false);
    expect(secretsEqual('ü', 'ü')).toBe(true);
  });

  it("when a service's /metrics is asked without the internal token, then 401; with it as X-Internal-Token or Bearer, then 200", async () => {
    const app = service();
    try {
      const none = await app.inject({ method: 'GET', url: '/metrics' });
      expect(none.statusCode).toBe(401);
      expect(none.headers['content-type']).toMatch(/problem\+json/);
      expect((await app.inject({ method: 'GET', url: '/metrics', headers: { 'x-internal-token': 'wrong' } })).statusCode).toBe(401);
      expect((await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${TOKEN}x` } })).statusCode).toBe(401);
      const header = await app.inject({ method: 'GET', url: '/metrics', headers: { 'x-internal-token': TOKEN } });
      expect(header.statusCode).toBe(200);
      expect(header.body).toMatch(/http_request_duration_seconds/);
      expect((await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } })).statusCode).toBe(200);
      // /health and /ready stay open (probes carry no token)
      expect((await app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });

  it("when the public edge's /metrics is asked without the token, then 404 (not advertised); with Bearer, then 200", async () => {
    const app = createServer({ name: 'edge', logger: createLogger('edge', 'silent'), metricsToken: TOKEN });
    try {
      expect((await app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(404);
      expect((await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } })).statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });
});
