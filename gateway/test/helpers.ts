import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, request } from 'undici';
import { createTenant as tenantFactory, startTestService, TEST_ADMIN_TOKEN, type TestService } from '@autocall/testing';
import { buildApp as buildSms, SMS_SCHEMA, smsMigrations } from '../../services/sms/src/app';
import { smsConfigSchema } from '../../services/sms/src/config';
import { buildApp, GATEWAY_SCHEMA, gatewayMigrations } from '../src/app';
import { gatewayConfigSchema, type GatewayConfig } from '../src/config';

export const urlOf = (server: Server) => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

/** The sms service in-process, listening on an ephemeral port (the gateway's first upstream). */
export async function startSms() {
  const svc = await startTestService({ name: 'sms', schema: SMS_SCHEMA, migrations: smsMigrations, configSchema: smsConfigSchema, buildApp: buildSms });
  await svc.app.listen({ port: 0, host: '127.0.0.1' });
  return { svc, url: urlOf(svc.app.server) };
}

export interface Gateway {
  svc: TestService<GatewayConfig>;
  url: string;
  close(): Promise<void>;
}

/** The gateway in-process, listening on an ephemeral port. */
export async function startGateway(env: Record<string, string>): Promise<Gateway> {
  const svc = await startTestService({ name: 'gateway', schema: GATEWAY_SCHEMA, migrations: gatewayMigrations, configSchema: gatewayConfigSchema, buildApp, env: { PASSWORD_SCRYPT_LOG_N: '14', ...env } });
  await svc.app.listen({ port: 0, host: '127.0.0.1' });
  return { svc, url: urlOf(svc.app.server), close: () => svc.close() };
}

export interface Res {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: any;
  text: string;
}

/** The tests' own HTTP client, closed by `closeClient()` so that no keep-alive socket outlives the file. */
export const client = new Agent({ keepAliveTimeout: 1_000 });
export const closeClient = () => client.close();

/** A client whose connections come from another loopback address (the whole of 127/8 is local on Linux): another client IP. */
export const clientFrom = (localAddress: string) => new Agent({ keepAliveTimeout: 1_000, localAddress });

/** Clients from other addresses (clientFrom), each kept so that `close()` in afterAll ends them all. */
export function clientsFrom() {
  const agents: Agent[] = [];
  return {
    from(localAddress: string) {
      const a = clientFrom(localAddress);
      agents.push(a);
      return a;
    },
    close: () => Promise.all(agents.map((a) => a.close())),
  };
}

/** A real HTTP call; JSON bodies are sent as JSON and parsed when the answer is JSON. */
export async function call(base: string, method: string, path: string, opts: { headers?: Record<string, string>; json?: unknown; body?: any; dispatcher?: Agent } = {}): Promise<Res> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  let body = opts.body;
  if (opts.json !== undefined) {
    headers['content-type'] ??= 'application/json';
    body = JSON.stringify(opts.json);
  }
  const res = await request(`${base}${path}`, { method: method as any, headers, body, dispatcher: opts.dispatcher ?? client });
  const text = await res.body.text();
  let parsed: unknown = undefined;
  if (/json/.test(String(res.headers['content-type'] ?? '')) && text) parsed = JSON.parse(text);
  return { status: res.statusCode, headers: res.headers, body: parsed, text };
}

export const admin = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };
export const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

/** A tenant made through the gateway's admin API (libs/testing's factory over this file's client). */
export const createTenant = (base: string, name?: string) => tenantFactory((path, json, headers) => call(base, 'POST', path, { headers, json }), name);

export interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  bytes: number;
}

/**
 * A stand-in upstream for what the sms service cannot show: it records what arrives and answers
 * per path (`/slow` waits, `/flaky` fails first, `/first-bytes` tells when the body began).
 */
export async function startFakeUpstream() {
  const seen: Seen[] = [];
  let flaky = 0;
  const firstBytes: (() => void)[] = [];
  const server = createServer((req, res) => {
    let bytes = 0;
    let first = true;
    req.on('data', (d: Buffer) => {
      bytes += d.length;
      if (first) {
        first = false;
        firstBytes.splice(0).forEach((f) => f());
      }
    });
    req.on('end', () => {
      void (async () => {
        const s = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, bytes };
        seen.push(s);
        const send = (status: number, body: unknown) => {
          res.writeHead(status, { 'content-type': 'application/json', location: `/v1/rosters/${randomUUID()}`, 'x-request-id': 'upstream-own-id' });
          res.end(JSON.stringify(body));
        };
        if (req.url?.includes('/big')) {
          // 3 MiB in 48 KiB pieces, unsized (chunked) unless ?sized
          const piece = Buffer.alloc(48 * 1024, 'x');
          res.writeHead(200, { 'content-type': 'application/octet-stream', ...(req.url.includes('sized') ? { 'content-length': String(piece.length * 64) } : {}) });
          for (let i = 0; i < 64; i++) if (!res.write(piece)) await new Promise((r) => res.once('drain', r));
          return res.end();
        }
        if (req.url?.includes('/cut')) {
          // a small answer announced, its headers sent, then the connection dies midway
          res.writeHead(201, { 'content-type': 'application/json', 'content-length': '200', location: '/v1/rosters/cut', etag: '"cut"' });
          res.write('{"id":"');
          return setTimeout(() => res.destroy(), 20);
        }
        if (req.url?.includes('/slow')) await new Promise((r) => setTimeout(r, 800));
        if (req.url?.includes('/flaky') && flaky++ === 0) return send(500, { code: 'INTERNAL_ERROR' });
        if (req.url?.includes('/bad')) return send(422, { code: 'ROSTER_EMPTY', id: randomUUID() });
        send(req.method === 'POST' ? 201 : 200, { id: randomUUID(), bytes, headers: req.headers });
      })();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: urlOf(server),
    seen,
    /** Resolves when the next request body's first bytes arrive. */
    nextFirstBytes: () => new Promise<void>((r) => firstBytes.push(r)),
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

/** A URL on which nothing listens. */
export async function deadUrl(): Promise<string> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const url = urlOf(s);
  await new Promise<void>((r) => s.close(() => r()));
  return url;
}
