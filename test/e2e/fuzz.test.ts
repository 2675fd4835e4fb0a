/**
 * @jest-environment-options {"customExportConditions": ["node", "node-addons", "module-sync"]}
 *
 * Hostile input never answers a 5xx (issue 11, item 5). The whole platform runs in-process
 * (platform.ts); the gateway's own OpenAPI document lists the operations, and for each one
 * fast-check makes requests a careless or hostile client would send: NUL, lone surrogates, bytes
 * that are not UTF-8, 1 MB strings, deep nesting, numbers as strings, wrong content types,
 * truncated JSON and multipart, odd path ids and query values — authenticated as a real tenant
 * (as the admin for /v1/admin), so they get past auth. Any 5xx fails (a 503 only counts when no
 * dependency's /ready says 503 at that moment), so does an answer slower than 10 s (a hang), and
 * every service must still be healthy afterwards.
 *
 * Reproduce a failure with the seed it prints: FUZZ_SEED=<seed> FUZZ_RUNS=<runs per operation>;
 * FUZZ_ONLY=<regex on "METHOD /path"> keeps to some operations (the seeds stay those of the full
 * run), FUZZ_DEBUG=1 prints every request, FUZZ_STATS=1 the statuses and the slow ones.
 */
import fc from 'fast-check';
import { multipart, fixture } from '../../services/recording/test/helpers';
import { admin, call as callOn, clientFrom } from '../../gateway/test/helpers';
import { call, newTenant, rosterXlsx, startPlatform, uploadRecording, uploadRoster, type Platform } from './platform';

const SEED = Number(process.env.FUZZ_SEED ?? 20261203);
const RUNS = Number(process.env.FUZZ_RUNS ?? 25);
const HANG_MS = 10_000;

type Json = Record<string, any>;
interface Operation {
  method: string;
  path: string;
  op: Json;
}
interface Hostile {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: Buffer | string;
  what: string;
}

let platform: Platform;
let doc: Json;
let auth: Record<string, string>;
let tenantId: string;
const ids: Record<string, string[]> = { any: [] };
let XLSX: Buffer;
const MP3 = fixture('mono-8k.mp3');

beforeAll(async () => {
  platform = await startPlatform();
  const base = platform.url;
  const t = await newTenant(base);
  auth = t.auth;
  tenantId = t.id;
  const rec = await uploadRecording(base, auth);
  const roster = await uploadRoster(base, auth, [{ phone: '87630021323', name: 'A', orderId: 'O-1' }]);
  const tpl = await call(base, 'POST', '/v1/sms-templates', { headers: auth, json: { name: 'Fuzz', content: 'Hi {{name}}' } });
  for (const r of [rec, roster, tpl]) if (r.status >= 300) throw new Error(`setup: ${r.status} ${r.text}`);
  ids.any.push(rec.body.id, roster.body.id, tpl.body.id, tenantId);
  XLSX = await rosterXlsx([{ phone: '87630021323', name: 'A', orderId: 'O-1' }]);
  const res = await call(base, 'GET', '/docs/json');
  doc = res.body;
}, 120_000);

afterAll(() => platform?.close());

/** Resolves a local `$ref` of the document. */
function deref(s: Json | undefined): Json {
  let cur = s ?? {};
  for (let i = 0; i < 10 && typeof cur.$ref === 'string'; i++) {
    cur = cur.$ref.replace(/^#\//, '').split('/').reduce((o: Json, k: string) => o?.[k], doc) ?? {};
  }
  return cur;
}

const MB = 'x'.repeat(1024 * 1024);
const nasty = fc.constantFrom('\u0000', 'A\u0000', '\ud800', 'x\udc00y', '\udfff\ud800', '', ' ', '\ufffd', '😀', '客户', '${{7*7}}', '<script>', "'; DROP TABLE x; --", '../../etc/passwd', 'null', 'true', '-1', '1e309', '0x10', 'NaN');
const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => `a${String.fromCharCode(c)}b`);
const hostileString = fc.oneof(
  { weight: 4, arbitrary: nasty },
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 2, arbitrary: loneSurrogate },
  { weight: 2, arbitrary: fc.string({ maxLength: 20 }).map((s) => `${s}\u0000${s}`) },
  { weight: 1, arbitrary: fc.constantFrom(MB, `${MB.slice(0, 4096)}\u0000`, 'é'.repeat(600), 'a'.repeat(70_000)) },
);
const deep = (n: number, open = '[', close = ']') => open.repeat(n) + close.repeat(n);
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  hostileString,
  fc.constantFrom(null, true, false, 0, -1, 1.5, 1e308, -1e308, 2 ** 53 + 1, [], {}, [[[[[[]]]]]], { a: { b: { c: {} } } }),
  fc.integer().map(String),
  fc.integer({ min: 1, max: 60 }).map((n) => JSON.parse(deep(n)) as unknown),
  fc.jsonValue({ maxDepth: 3 }),
);

/** A value that mostly fits the schema (so requests reach the handlers), hostile now and then. */
function valueFor(schemaIn: Json | undefined, depth = 0): fc.Arbitrary<unknown> {
  const s = deref(schemaIn);
  const fitting = fittingFor(s, depth);
  return fc.oneof({ weight: 6, arbitrary: fitting }, { weight: 1, arbitrary: hostileValue });
}

function fittingFor(s: Json, depth: number): fc.Arbitrary<unknown> {
  if (depth > 4) return fc.constant(null);
  const branches = (s.anyOf ?? s.oneOf) as Json[] | undefined;
  if (branches?.length) return fc.oneof(...branches.map((b) => valueFor(b, depth + 1)));
  if (s.const !== undefined) return fc.constant(s.const);
  if (Array.isArray(s.enum)) return fc.constantFrom(...(s.enum as unknown[]));
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  switch (type) {
    case 'string':
      if (s.format === 'uuid') return fc.oneof(fc.constantFrom(...ids.any), fc.uuid());
      if (s.format === 'date-time') return fc.date({ noInvalidDate: true, min: new Date('2000-01-01'), max: new Date('2100-01-01') }).map((d) => d.toISOString());
      return fc.oneof(fc.string({ minLength: s.minLength ?? 0, maxLength: Math.min(s.maxLength ?? 30, 30) }), hostileString);
    case 'integer':
      return fc.oneof(fc.integer({ min: s.minimum ?? -10, max: Math.min(s.maximum ?? 1000, 2 ** 31) }), fc.constantFrom(0, -1, 2 ** 31, 2 ** 53));
    case 'number':
      return fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer());
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return fc.array(valueFor(s.items, depth + 1), { maxLength: 3 });
    case 'object': {
      const props = (s.properties ?? {}) as Record<string, Json>;
      const required = new Set<string>(s.required ?? []);
      const shape: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [k, p] of Object.entries(props)) shape[k] = valueFor(p, depth + 1);
      const base = fc.record(shape, { requiredKeys: Object.keys(props).filter((k) => required.has(k)) });
      const extra = fc.oneof({ weight: 5, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.tuple(hostileString, hostileValue) });
      return fc.tuple(base, extra).map(([o, extra]) => (extra ? { ...(o as object), [extra[0]]: extra[1] } : o));
    }
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

const pathId = () => fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...['not-a-uuid', '00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff', '%00', '%FF', '%ED%A0%80', 'a'.repeat(300), '..', '%2e%2e', '1', '-1', 'null', '0190a0a0-0000-7000-8000-00000000000g']) },
  { weight: 3, arbitrary: fc.uuid() },
  { weight: 2, arbitrary: fc.constantFrom(...ids.any) },
  { weight: 1, arbitrary: fc.string({ maxLength: 20 }).map(encodeURIComponent) },
);

const enc = (v: unknown) => encodeURIComponent(typeof v === 'string' ? v : JSON.stringify(v) ?? '');
/** encodeURIComponent refuses lone surrogates: such a value goes as the escapes of its UTF-16 units, which are not UTF-8 either. */
function safeEnc(v: unknown): string {
  try {
    return enc(v);
  } catch {
    return Array.from(String(v), (ch) => (ch.charCodeAt(0) >= 0xd800 && ch.charCodeAt(0) <= 0xdfff ? '%ED%A0%80' : encodeURIComponent(ch))).join('');
  }
}

function queryFor(params: Json[]): fc.Arbitrary<string> {
  const q = params.filter((p) => p.in === 'query');
  const fitting = fc.tuple(...q.map((p) => fc.option(valueFor(p.schema), { freq: 2 }).map((v) => (v === null ? '' : `${p.name}=${safeEnc(v).slice(0, 20_000)}`))));
  const raw = fc.constantFrom('a=%00', 'name=%FF', 'status=%ED%A0%80', 'limit=1e3', 'page=-1&page=2', 'pageSize=abc', 'cursor=%00%00', 'x[y]=1', '=', '&&&', `cursor=${'A'.repeat(8000)}`, 'limit=99999999999999999999', '%E0%A4%A=1');
  return fc.oneof(
    fc.tuple(fitting, fc.option(raw, { freq: 2 })).map(([parts, extra]) => [...parts, extra ?? ''].filter(Boolean).join('&')),
    fitting.map((parts) => parts.filter(Boolean).join('&')),
  );
}

function textBytes(text: string): Buffer {
  return Buffer.from(text, 'utf8');
}

/** JSON bodies: fitting-with-hostile values, and raw bodies no JSON encoder would make. */
function jsonBodyFor(schema: Json | undefined): fc.Arbitrary<{ body: Buffer | string; type?: string; what: string }> {
  const value = valueFor(schema);
  return fc.oneof(
    { weight: 5, arbitrary: value.map((v) => ({ body: JSON.stringify(v) ?? 'null', type: 'application/json', what: 'json' })) },
    { weight: 1, arbitrary: fc.tuple(value, fc.nat()).map(([v, n]) => { const t = JSON.stringify(v) ?? '{}'; return { body: t.slice(0, n % Math.max(1, t.length)), type: 'application/json', what: 'truncated json' }; }) },
    {
      weight: 1,
      arbitrary: fc.tuple(value, fc.constantFrom([0xff], [0xc3], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xc0, 0xaf], [0x80])).map(([v, bad]) => {
        const t = JSON.stringify(v) ?? '""';
        const at = t.indexOf('"') + 1;
        return { body: Buffer.concat([textBytes(t.slice(0, at)), Buffer.from(bad), textBytes(t.slice(at))]), type: 'application/json', what: 'invalid utf-8 json' };
      }),
    },
    { weight: 1, arbitrary: fc.constantFrom(deep(100_000), deep(5_000, '{"a":', '}'), deep(65), `{"a":${deep(200)}}`).map((b) => ({ body: b, type: 'application/json', what: 'deep json' })) },
    {
      weight: 1,
      arbitrary: fc.tuple(value, fc.constantFrom('text/plain', 'application/xml', 'application/x-www-form-urlencoded', 'multipart/form-data', 'multipart/form-data; boundary=x', 'application/json; charset=latin1', 'application/octet-stream', '', 'application/jsonx', 'APPLICATION/JSON')).map(([v, type]) => ({ body: JSON.stringify(v) ?? '', type: type || undefined, what: 'wrong content type' })),
    },
    { weight: 1, arbitrary: fc.constantFrom('', 'null', '[]', '"str"', '123', '{', '{"a":1}}', '\u0000', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{}}}').map((b) => ({ body: b, type: 'application/json', what: 'odd json' })) },
  );
}


/** Multipart bodies: fields from the document with hostile values and file names, and broken framing. */
function multipartFor(schema: Json): fc.Arbitrary<{ body: Buffer; type?: string; what: string }> {
  const props = Object.entries((schema.properties ?? {}) as Record<string, Json>);
  const fileBytes = fc.oneof(fc.constant('xlsx'), fc.constant('mp3'), fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)), fc.constant(Buffer.alloc(0)));
  const filename = fc.oneof(fc.constantFrom('a.xlsx', 'a.mp3', '', 'a\u0000.mp3', '..\\..\\x.mp3', '😀.mp3', 'a\ud800.mp3'), fc.string({ unit: 'binary', maxLength: 20 }));
  const part = fc.tuple(fc.constantFrom(...props.map(([k]) => k), 'extra', '__proto__', ''), hostileString, fileBytes, filename, fc.boolean(), fc.option(fc.constantFrom([0xff], [0xed, 0xa0, 0x80]), { freq: 3 }));
  return fc.tuple(fc.array(part, { minLength: 0, maxLength: 4 }), fc.nat(), fc.integer({ min: 0, max: 3 })).map(([parts, cut, mode]) => {
    const built = parts.map(([name, value, bytes, fname, isFile, bad]) => {
      const isFileField = isFile || schema.properties?.[name]?.format === 'binary';
      const data = isFileField ? (bytes === 'xlsx' ? XLSX : bytes === 'mp3' ? MP3 : bytes) : Buffer.concat([textBytes(value.slice(0, 5000)), Buffer.from(bad ?? [])]);
      return { name, ...(isFileField ? { filename: fname.replace(/["\r\n]/g, '_'), contentType: 'application/octet-stream' } : {}), data };
    });
    const { payload, headers } = multipart(built);
    if (mode === 1) return { body: payload.subarray(0, cut % Math.max(1, payload.length)), type: headers['content-type'], what: 'truncated multipart' };
    if (mode === 2) return { body: payload, type: 'multipart/form-data; boundary=wrong', what: 'multipart, wrong boundary' };
    return { body: payload, type: headers['content-type'], what: 'multipart' };
  });
}

function requestFor(o: Operation): fc.Arbitrary<Hostile> {
  const params = ((o.op.parameters ?? []) as Json[]).map(deref);
  const pathParams = params.filter((p) => p.in === 'path').map((p) => p.name as string);
  const isAdmin = o.path.startsWith('/v1/admin');
  const content = o.op.requestBody?.content ?? {};
  const body: fc.Arbitrary<{ body?: Buffer | string; type?: string; what: string }> = content['multipart/form-data']
    ? fc.oneof({ weight: 4, arbitrary: multipartFor(deref(content['multipart/form-data'].schema)) }, { weight: 1, arbitrary: jsonBodyFor(undefined) })
    : content['application/json']
      ? jsonBodyFor(content['application/json'].schema)
      : fc.oneof({ weight: 3, arbitrary: fc.constant({ what: 'no body' }) }, { weight: 1, arbitrary: jsonBodyFor(undefined) });
  return fc
    .tuple(fc.array(pathId(), { minLength: pathParams.length, maxLength: pathParams.length }), queryFor(params), body, fc.option(fc.constantFrom('k1', 'a'.repeat(300), ' ', '\t'), { freq: 4 }), fc.boolean())
    .map(([pathValues, query, b, idem, asXApiKey]) => {
      let path = o.path;
      pathParams.forEach((name, i) => (path = path.replace(`{${name}}`, pathValues[i])));
      const headers: Record<string, string> = isAdmin ? { ...admin } : asXApiKey ? { 'x-api-key': auth.authorization.replace(/^Bearer /, '') } : { ...auth };
      if (b.type) headers['content-type'] = b.type;
      if (idem && o.method === 'POST') headers['idempotency-key'] = idem;
      const hasBody = b.body !== undefined && o.method !== 'GET' && o.method !== 'DELETE';
      return { method: o.method, url: `${path}${query ? `?${query}` : ''}`, headers, ...(hasBody ? { body: b.body } : {}), what: b.what };
    });
}

const SERVICE_OF: [RegExp, keyof Platform['services']][] = [
  [/^\/v1\/tasks\/[^/]+\/(calls|report)/, 'dialer'],
  [/^\/v1\/tasks/, 'task'],
  [/^\/v1\/rosters/, 'roster'],
  [/^\/v1\/recordings/, 'recording'],
  [/^\/v1\/(admin\/)?sms-/, 'sms'],
  [/^\/v1\/(webhooks|events)/, 'events'],
];

async function readyOf(name: keyof Platform['services']): Promise<number> {
  const res = await fetch(`${platform.services[name].url}/ready`, { signal: AbortSignal.timeout(HANG_MS) });
  await res.arrayBuffer();
  return res.status;
}

/** How often each status came back: printed with FUZZ_STATS=1, to see that requests reach the handlers. */
const statuses = new Map<string, number>();
/** The last requests sent, printed when one hangs: what the platform was busy with. */
const recent: string[] = [];

/** Sends one request; throws (failing the property) on a 5xx without a dependency down, or a hang. */
async function send(h: Hostile, seedNote: string): Promise<void> {
  let status: number;
  let text = '';
  const started = Date.now();
  recent.push(`${new Date(started).toISOString()} ${h.method} ${h.url.slice(0, 120)} (${h.what})`);
  if (recent.length > 30) recent.shift();
  try {
    const res = await fetch(`${platform.url}${h.url}`, { method: h.method, headers: h.headers, body: h.body, signal: AbortSignal.timeout(HANG_MS) });
    status = res.status;
    if (process.env.FUZZ_DEBUG) console.log(`${Date.now() - started} ms ${h.method} ${h.url.slice(0, 120)} (${h.what}) → ${status} ${JSON.stringify(typeof h.body === 'string' ? h.body.slice(0, 200) : h.body?.subarray(0, 200).toString('latin1'))} ${JSON.stringify(h.headers['content-type'])}`);
    if (process.env.FUZZ_STATS && Date.now() - started > 2000) console.log(`slow (${Date.now() - started} ms): ${h.method} ${h.url.slice(0, 120)} (${h.what}) → ${status}`);
    // the event stream answers at once and never ends: its status and headers are the answer
    if (/^text\/event-stream/.test(res.headers.get('content-type') ?? '')) await res.body?.cancel();
    else text = (await res.text()).slice(0, 300);
  } catch (err) {
    const e = err as Error;
    if (e.name === 'TimeoutError') throw new Error(`hang: ${h.method} ${h.url.slice(0, 200)} (${h.what}) took over ${HANG_MS} ms ${seedNote}; the requests before it:\n${recent.join('\n')}`);
    if (e.name === 'TypeError' && !(e as { cause?: unknown }).cause) return; // the client itself refused to send it (fetch's rules): nothing reached us
    throw new Error(`${h.method} ${h.url.slice(0, 200)} (${h.what}): connection failed: ${e.message} ${String((e as { cause?: Error }).cause?.message ?? '')} ${seedNote}`);
  }
  statuses.set(`${status}`, (statuses.get(`${status}`) ?? 0) + 1);
  if (status < 500) return;
  if (status === 503) {
    const path = h.url.split('?')[0];
    const service = SERVICE_OF.find(([re]) => re.test(path))?.[1] ?? 'gateway';
    const ready = await Promise.all([readyOf(service), readyOf('gateway')]);
    if (ready.includes(503)) return;
  }
  throw new Error(`${status} for ${h.method} ${h.url.slice(0, 200)} (${h.what}, ${typeof h.body === 'string' ? h.body.length : (h.body?.length ?? 0)} bytes): ${text} ${seedNote}`);
}

describe('hostile requests never answer a 5xx nor hang, on every operation of /docs/json', () => {
  it('when every operation gets fast-check requests, then none answers 5xx (unless a dependency is really down) or hangs, and every service is healthy after', async () => {
    const ops: Operation[] = [];
    for (const [path, item] of Object.entries(doc.paths as Record<string, Json>)) {
      for (const [method, op] of Object.entries(item)) if (['get', 'post', 'put', 'patch', 'delete'].includes(method)) ops.push({ method: method.toUpperCase(), path, op: op as Json });
    }
    expect(ops.length).toBeGreaterThan(20);
    let i = 0;
    for (const o of ops) {
      const seed = SEED + i++;
      if (process.env.FUZZ_ONLY && !new RegExp(process.env.FUZZ_ONLY).test(`${o.method} ${o.path}`)) continue;
      const note = `[FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS}; this operation's fast-check seed ${seed}]`;
      await fc.assert(
        fc.asyncProperty(requestFor(o), (h) => send(h, note)),
        { seed, numRuns: RUNS, endOnFailure: true },
      );
    }
    if (process.env.FUZZ_STATS) console.log(Object.fromEntries([...statuses].sort()));
    for (const name of Object.keys(platform.services) as (keyof Platform['services'])[]) {
      const res = await fetch(`${platform.services[name].url}/health`, { signal: AbortSignal.timeout(HANG_MS) });
      expect({ name, status: res.status }).toEqual({ name, status: 200 });
    }
  }, 600_000);
});

describe('bad strings reach no handler (the known failures)', () => {
  it('when PUT /v1/sms-account has a NUL in senderId, then 400 VALIDATION_FAILED naming it (it answered 500)', async () => {
    const res = await call(platform.url, 'PUT', '/v1/sms-account', { headers: auth, json: { provider: 'simulated', senderId: 'A\u0000', status: 'active' } });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: 'senderId' }] });
  });

  it('when a roster upload has a NUL in its name field, or a file name that is not UTF-8, then 400 naming the field', async () => {
    const nul = multipart([
      { name: 'name', data: 'Roster\u0000' },
      { name: 'file', filename: 'r.xlsx', contentType: 'application/octet-stream', data: XLSX },
    ]);
    const a = await call(platform.url, 'POST', '/v1/rosters', { headers: { ...auth, ...nul.headers }, body: nul.payload });
    expect(a.status).toBe(400);
    expect(a.body).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: 'name' }] });
    const badName = multipart([{ name: 'name', data: 'R' }, { name: 'file', filename: 'rZ.xlsx', contentType: 'application/octet-stream', data: XLSX }]);
    // the file name's bytes: 0xff alone is not UTF-8
    const at = badName.payload.indexOf('rZ.xlsx') + 1;
    const payload = Buffer.concat([badName.payload.subarray(0, at), Buffer.from([0xff]), badName.payload.subarray(at + 1)]);
    const b = await call(platform.url, 'POST', '/v1/rosters', { headers: { ...auth, ...badName.headers }, body: payload });
    expect(b.status).toBe(400);
    expect(b.body.errors[0].field).toBe('file.filename');
  });

  it('when a recording name field holds bytes that are not UTF-8, then 400 naming it', async () => {
    const m = multipart([{ name: 'name', data: Buffer.from([0x61, 0xff, 0x62]) }, { name: 'file', filename: 'a.mp3', contentType: 'audio/mpeg', data: MP3 }]);
    const res = await call(platform.url, 'POST', '/v1/recordings', { headers: { ...auth, ...m.headers }, body: m.payload });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: 'name', message: 'is not valid UTF-8' }] });
  });

  it('when ?page=1e308 (an integer JSON Schema accepts), then 400, not the SQL error it caused (found by this fuzz test)', async () => {
    const res = await call(platform.url, 'GET', '/v1/admin/tenants?page=1e%2B308&pageSize=149', { headers: admin });
    expect(res.status).toBe(400);
    const list = await call(platform.url, 'GET', '/v1/recordings?page=1e308', { headers: auth });
    expect(list.status).toBe(400);
  });

  it('when an upload is cut inside its file part, then 400 MALFORMED_MULTIPART for recordings and rosters (recordings answered 500, found by this fuzz test)', async () => {
    for (const [url, file] of [['/v1/recordings', MP3], ['/v1/rosters', XLSX]] as const) {
      const { payload, headers } = multipart([{ name: 'name', data: 'Cut' }, { name: 'file', filename: 'f.bin', contentType: 'application/octet-stream', data: file }]);
      const res = await call(platform.url, 'POST', url, { headers: { ...auth, ...headers }, body: payload.subarray(0, payload.length - 300) });
      expect({ url, status: res.status, code: res.body?.code }).toEqual({ url, status: 400, code: 'MALFORMED_MULTIPART' });
    }
  });

  it('when a 1 MB body with a multipart content type goes to a JSON route, then the next requests on that keep-alive connection are answered (the connection hung, found by this fuzz test)', async () => {
    const agent = clientFrom('127.0.0.1');
    try {
      const url = '/v1/rosters/0190a0a0-0000-7000-8000-00000000f00d'; // none such: 404, whatever the fuzz run deleted
      const big = await callOn(platform.url, 'PATCH', url, { headers: { ...auth, 'content-type': 'multipart/form-data; boundary=x' }, body: JSON.stringify({ name: MB }), dispatcher: agent });
      expect(big.status).toBe(400);
      for (let n = 0; n < 3; n++) {
        const next = await Promise.race([
          callOn(platform.url, 'PATCH', url, { headers: { ...auth, 'content-type': 'application/json' }, body: '{"name":"After"}', dispatcher: agent }),
          new Promise<never>((_r, reject) => setTimeout(() => reject(new Error(`request ${n} after the big body hung`)), 5_000).unref()),
        ]);
        expect(next.status).toBe(404);
      }
    } finally {
      await agent.close();
    }
  });

  it('when a list filter is %00 or %FF, then 400 naming query.name, at the gateway and the service alike', async () => {
    for (const v of ['%00', '%FF']) {
      const res = await call(platform.url, 'GET', `/v1/recordings?name=${v}`, { headers: auth });
      expect(res.status).toBe(400);
      expect(res.body.errors[0].field).toBe('query.name');
    }
  });
});
