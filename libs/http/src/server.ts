import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import Fastify, { LogController, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { Registry, collectDefaultMetrics, Histogram } from 'prom-client';
import { AppError } from '@autocall/contracts';
import type { Logger } from '@autocall/logger';
import { MAX_JSON_DEPTH, badQueryField, boundIntegers, replaceBadStrings, checkPart, decodeUtf8Body, findBadString, jsonDepthOver, parseQuery, stringsError } from './strings';

export type App = FastifyInstance<any, any, any, any, TypeBoxTypeProvider>;

declare module 'fastify' {
  interface FastifyRequest {
    /** The tenant the gateway authenticated; set on every /v1 request that passed internal auth. */
    tenantId: string;
    /** True when the gateway authenticated the platform admin. */
    isAdmin: boolean;
    /** The caller's role in its tenant (`viewer`…`owner`), as the gateway sent it; '' for the admin. */
    actorRole: string;
    /** Who calls: `user:<id>`, `apiKey:<id>` or `admin`, as the gateway sent it (for `createdBy` fields). */
    actorId: string;
    /** The JSON body's bytes as received, on routes with `config: { strings: 'replace' }` (to check a signature over them). */
    rawBody?: Buffer;
  }
  interface FastifyInstance {
    metrics: Registry;
  }
}

export const TENANT_HEADER = 'x-autocall-tenant-id';
export const ADMIN_HEADER = 'x-autocall-admin';
/** The caller's role and identity; the gateway always overwrites them, as it does the tenant. */
export const ROLE_HEADER = 'x-autocall-role';
export const ACTOR_HEADER = 'x-autocall-actor';
export const INTERNAL_TOKEN_HEADER = 'x-internal-token';
export const REQUEST_ID_HEADER = 'x-request-id';

const REQUEST_ID_RE = /^[\x21-\x7e]{1,128}$/;

/** Accepts a client's request id when it is 1–128 visible ASCII characters; otherwise makes one. */
export function requestIdFrom(header: string | string[] | undefined): string {
  return typeof header === 'string' && REQUEST_ID_RE.test(header) ? header : randomUUID();
}

export interface ServerOptions {
  name: string;
  logger: Logger;
  /** Services: every route but the ops ones needs this token (the gateway sends it). Gateway: undefined. */
  internalToken?: string;
  /** Dependencies checked by /ready; each returns true when reachable. */
  readiness?: Record<string, () => boolean | Promise<boolean>>;
  bodyLimit?: number;
  /**
   * The public edge (gateway) passes the internal token here: its /metrics then answers only a
   * request carrying it (Prometheus inside the deployment), and 404 to anyone else (the public
   * edge does not advertise it). A service's /metrics needs its `internalToken` (401 without).
   */
  metricsToken?: string;
  /** fastify's trustProxy: which proxies may name the client address (X-Forwarded-For). Default: none. */
  trustProxy?: boolean | string;
  /** Leave out fastify's two log lines per request (the caller logs its own, or none). Default: false. */
  disableRequestLogging?: boolean;
}

const OPS_ROUTES = new Set(['/health', '/ready', '/metrics']);

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * Compares a presented secret with the expected one in constant time, through their SHA-256
 * digests: equal-length buffers whatever was presented, so neither the content nor the length of
 * the secret leaks through timing.
 */
export function secretsEqual(presented: string, expected: string | Buffer): boolean {
  return timingSafeEqual(digest(presented), typeof expected === 'string' ? digest(expected) : expected);
}

/** The internal token a request presents: `X-Internal-Token: <t>`, or `Authorization: Bearer <t>` (Prometheus' `bearer_token`). */
export function presentedInternalToken(headers: Record<string, string | string[] | undefined>): string | undefined {
  const h = headers[INTERNAL_TOKEN_HEADER];
  if (typeof h === 'string') return h;
  const m = /^Bearer[ ]+(\S+)\s*$/i.exec(typeof headers.authorization === 'string' ? headers.authorization : '');
  return m ? m[1] : undefined;
}

/** How much of a request body answered before it all arrived is read and dropped, and for how long, before the connection is closed instead. */
const DRAIN_MAX_BYTES = 64 * 1024 * 1024;
const DRAIN_MAX_MS = 30_000;

/**
 * An answer sent before the request body all arrived (a 400 or 413 on an upload, a proxied answer
 * to a body still streaming): the rest of the body is read and dropped, so that the keep-alive
 * connection can carry the next request. Node does so itself only for a body nobody began to read;
 * one a multipart parser or the gateway's proxy began and left paused would stay unread, and the
 * client's next request on that connection would hang. Past a bound, the connection is closed.
 */
function drainRequest(raw: FastifyRequest['raw']): void {
  let seen = 0;
  const socket = raw.socket as Partial<Pick<import('node:net').Socket, 'destroy'>> | null;
  if (typeof socket?.destroy !== 'function') return; // app.inject(): no socket to keep or close
  const close = () => socket.destroy?.();
  const timer = setTimeout(close, DRAIN_MAX_MS);
  timer.unref();
  const done = () => clearTimeout(timer);
  raw.on('data', (chunk: Buffer) => {
    seen += chunk.length;
    if (seen > DRAIN_MAX_BYTES) {
      done();
      close();
    }
  });
  raw.once('end', done);
  raw.once('close', done);
  raw.once('error', done);
  raw.resume();
}

export function problem(reply: FastifyReply, status: number, code: string, title: string, detail?: string, errors?: { field: string; message: string }[]) {
  return reply
    .code(status)
    .type('application/problem+json')
    .send({ type: `https://autocall.dev/problems/${code.toLowerCase().replace(/_/g, '-')}`, title, status, detail: detail ?? title, code, ...(errors ? { errors } : {}) });
}

const TITLES: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 409: 'Conflict',
  413: 'Payload Too Large', 415: 'Unsupported Media Type', 416: 'Range Not Satisfiable', 422: 'Unprocessable Content', 429: 'Too Many Requests',
  500: 'Internal Server Error', 503: 'Service Unavailable',
};
export const titleFor = (status: number) => TITLES[status] ?? (status >= 500 ? 'Server Error' : 'Client Error');

function validationErrors(err: FastifyError): { field: string; message: string }[] {
  return (err.validation ?? []).map((v: any) => {
    const base = String(v.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
    let field = base;
    if (v.keyword === 'required') field = [base, v.params?.missingProperty].filter(Boolean).join('.');
    if (v.keyword === 'additionalProperties') field = [base, v.params?.additionalProperty].filter(Boolean).join('.');
    const where = err.validationContext && err.validationContext !== 'body' ? `${err.validationContext}.` : '';
    const message = v.keyword === 'additionalProperties' ? 'is not a known field' : String(v.message ?? 'is invalid');
    return { field: `${where}${field || '(root)'}`, message };
  });
}

export function createServer(opts: ServerOptions): App {
  const app = Fastify({
    loggerInstance: opts.logger,
    bodyLimit: opts.bodyLimit ?? 1024 * 1024,
    genReqId: (req) => requestIdFrom(req.headers[REQUEST_ID_HEADER]),
    // disableRequestLogging here: the top-level option is deprecated in fastify 5.12 (FSTDEP023)
    logController: new LogController({ requestIdLogLabel: 'requestId', disableRequestLogging: opts.disableRequestLogging ?? false }),
    return503OnClosing: true,
    forceCloseConnections: true,
    trustProxy: opts.trustProxy ?? false,
    routerOptions: { querystringParser: parseQuery },
    // a path whose percent-escapes are not UTF-8 (`/v1/tasks/%FF`) fails in the router, before any hook: problem+json as everywhere
    frameworkErrors: (err, _req, reply) => {
      if (err.code === 'FST_ERR_BAD_URL') return problem(reply, 400, 'INVALID_PATH', titleFor(400), 'The path has a percent-escape that is not UTF-8.');
      return problem(reply, err.statusCode ?? 400, 'BAD_REQUEST', titleFor(err.statusCode ?? 400));
    },
  }).withTypeProvider<TypeBoxTypeProvider>() as App;

  // JSON bodies are validated strictly (a number is not a string); query, params and headers
  // arrive as strings and are coerced.
  const strict = addFormats(new Ajv({ allErrors: true, coerceTypes: false, useDefaults: true, removeAdditional: false, strict: false }));
  const coercing = addFormats(new Ajv({ allErrors: true, coerceTypes: 'array', useDefaults: true, removeAdditional: false, strict: false }));
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? strict : coercing).compile(boundIntegers(schema) as object));

  const metrics = new Registry();
  metrics.setDefaultLabels({ service: opts.name });
  collectDefaultMetrics({ register: metrics });
  const httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration',
    labelNames: ['method', 'route', 'status'],
    registers: [metrics],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  });
  app.decorate('metrics', metrics);
  app.decorateRequest('tenantId', '');
  app.decorateRequest('isAdmin', false);
  app.decorateRequest('actorRole', '');
  app.decorateRequest('actorId', '');

  const internalDigest = opts.internalToken === undefined ? undefined : digest(opts.internalToken);
  const metricsDigest = opts.metricsToken === undefined ? internalDigest : digest(opts.metricsToken);
  app.addHook('onRequest', async (req, reply) => {
    reply.header(REQUEST_ID_HEADER, req.id);
    if (internalDigest === undefined) return;
    const path = req.url.split('?')[0];
    if (OPS_ROUTES.has(path)) return; // /metrics checks its own token
    const token = req.headers[INTERNAL_TOKEN_HEADER];
    if (typeof token !== 'string' || !secretsEqual(token, internalDigest)) {
      return problem(reply, 401, 'UNAUTHORIZED', 'Unauthorized', 'This service only answers the gateway.');
    }
    const tenant = req.headers[TENANT_HEADER];
    req.tenantId = typeof tenant === 'string' ? tenant : '';
    req.isAdmin = req.headers[ADMIN_HEADER] === 'true';
    const role = req.headers[ROLE_HEADER];
    req.actorRole = typeof role === 'string' ? role : '';
    const actor = req.headers[ACTOR_HEADER];
    req.actorId = typeof actor === 'string' ? actor : '';
  });

  // The strings rule (strings.ts): JSON and text bodies are decoded strictly (bytes that are not
  // UTF-8 never become U+FFFD silently), JSON nesting is bounded before parsing, and every string
  // of the query, the path and the body is checked before validation and the handler.
  const jsonParse = app.getDefaultJsonParser('error', 'error');
  // a route with `config: { strings: 'replace' }` keeps its body's odd text as U+FFFD instead (API.md: SMS callbacks)
  const lenient = (req: FastifyRequest) => (req.routeOptions.config as { strings?: string } | undefined)?.strings === 'replace';
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, body: Buffer, done) => {
    let text: string;
    try {
      if (lenient(req)) {
        req.rawBody = body;
        text = body.toString('utf8');
      } else text = decodeUtf8Body(body, (t) => JSON.parse(t));
      if (jsonDepthOver(text, MAX_JSON_DEPTH)) throw stringsError([{ field: '(root)', message: `nests deeper than ${MAX_JSON_DEPTH} levels` }]);
    } catch (err) {
      done(err as Error, undefined);
      return;
    }
    void jsonParse(req, text, done); // calls done itself
  });
  app.addContentTypeParser('text/plain', { parseAs: 'buffer' }, (_req, body: Buffer, done) => {
    try {
      done(null, decodeUtf8Body(body, (t) => t));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
  app.addHook('preValidation', async (req) => {
    const param = findBadString(req.params, 'params');
    if (param) {
      if (/id$/i.test(param.field)) throw new AppError('INVALID_ID', 400, 'The id in the path is not a UUID.');
      throw stringsError([param]);
    }
    if (lenient(req)) {
      req.body = replaceBadStrings(req.body);
      return;
    }
    const found = badQueryField(req.query) ?? findBadString(req.body);
    if (found) throw stringsError([found]);
    if (typeof (req as { parts?: unknown }).parts === 'function') checkMultipartStrings(req);
  });

  // before the answer is written, while the socket is still the request's (see drainRequest)
  app.addHook('onSend', async (req, reply, payload) => {
    if (req.raw.complete === false && !req.raw.destroyed && !req.raw.readableEnded) {
      // the public edge: a body its proxy began to stream and left unread would stall the
      // connection, so the answer closes it; a service reads the rest and keeps it
      if (opts.internalToken === undefined) reply.header('connection', 'close');
      else drainRequest(req.raw);
    }
    return payload;
  });

  app.addHook('onResponse', async (req, reply) => {
    httpDuration.observe({ method: req.method, route: req.routeOptions.url ?? 'unknown', status: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });

  app.setErrorHandler((err: FastifyError | AppError, req: FastifyRequest, reply: FastifyReply) => {
    if (err instanceof AppError) {
      if (err.status >= 500) req.log.warn({ code: err.code }, err.message);
      return problem(reply, err.status, err.code, titleFor(err.status), err.message, err.errors);
    }
    const e = err as FastifyError;
    if (e.validation) {
      if (e.validationContext === 'params' && e.validation.some((v: any) => v.instancePath === '/id' || /id$/i.test(String(v.instancePath)))) {
        return problem(reply, 400, 'INVALID_ID', 'Bad Request', 'The id in the path is not a UUID.');
      }
      return problem(reply, 400, 'VALIDATION_FAILED', 'Bad Request', 'The request does not match the schema.', validationErrors(e));
    }
    switch (e.code) {
      case 'FST_ERR_CTP_INVALID_JSON_BODY':
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
        return problem(reply, 400, 'MALFORMED_JSON', 'Bad Request', 'The body is not valid JSON.');
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
      case 'FST_REQ_FILE_TOO_LARGE':
        return problem(reply, 413, 'PAYLOAD_TOO_LARGE', 'Payload Too Large', 'The body is over the size limit.');
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return problem(reply, 415, 'UNSUPPORTED_MEDIA_TYPE', 'Unsupported Media Type', 'This content type is not accepted here.');
      default:
        break;
    }
    if ((e as any).code === 'DEPENDENCY_UNAVAILABLE' || e.name === 'RpcTimeoutError' || e.name === 'BusUnavailableError') {
      req.log.warn({ err: e.message }, 'dependency unavailable');
      return problem(reply, 503, 'DEPENDENCY_UNAVAILABLE', 'Service Unavailable', 'A service this request needs did not answer in time; nothing was changed.');
    }
    const status = typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500 ? e.statusCode : 500;
    if (status === 500) {
      req.log.error({ err: e }, 'unhandled error');
      return problem(reply, 500, 'INTERNAL_ERROR', 'Internal Server Error', 'Something went wrong on our side.');
    }
    return problem(reply, status, 'BAD_REQUEST', titleFor(status), e.message);
  });

  app.setNotFoundHandler((req, reply) => problem(reply, 404, 'NOT_FOUND', 'Not Found', `No route ${req.method} ${req.url.split('?')[0]}.`));

  app.get('/health', async () => ({ status: 'ok' }));
  app.get('/ready', async (_req, reply) => {
    const checks: Record<string, boolean> = {};
    for (const [name, check] of Object.entries(opts.readiness ?? {})) {
      try {
        checks[name] = await check();
      } catch {
        checks[name] = false;
      }
    }
    const ok = Object.values(checks).every(Boolean);
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ready' : 'unavailable', checks });
  });
  app.get('/metrics', async (req, reply) => {
    if (metricsDigest !== undefined) {
      const token = presentedInternalToken(req.headers);
      if (token === undefined || !secretsEqual(token, metricsDigest)) {
        if (opts.metricsToken !== undefined) return problem(reply, 404, 'NOT_FOUND', 'Not Found', 'No route GET /metrics.');
        reply.header('www-authenticate', 'Bearer');
        return problem(reply, 401, 'UNAUTHORIZED', 'Unauthorized', 'Send the internal token: X-Internal-Token or Authorization: Bearer.');
      }
    }
    return reply.type(metrics.contentType).send(await metrics.metrics());
  });

  return app;
}

type Parts = (options?: unknown) => AsyncIterableIterator<any>;

/**
 * @fastify/multipart's readers (`parts()`, `files()`, `file()`), wrapped for this request so that
 * each part's field name, value and file name pass the strings rule before the route sees the part.
 */
function checkMultipartStrings(req: FastifyRequest): void {
  const r = req as unknown as { parts: Parts; files?: Parts; file?: (o?: unknown) => Promise<any> };
  const parts = r.parts.bind(req);
  const checked = (iter: AsyncIterableIterator<any>) =>
    (async function* () {
      for await (const part of iter) {
        try {
          checkPart(part);
        } catch (err) {
          part.file?.resume?.(); // leave no file stream half-read behind the error
          throw err;
        }
        yield part;
      }
    })();
  r.parts = (o) => checked(parts(o));
  if (typeof r.files === 'function') r.files = async function* (o) {
    for await (const p of r.parts(o)) if (p.type === 'file') yield p;
  };
  if (typeof r.file === 'function') r.file = async (o) => {
    for await (const p of r.parts(o)) if (p.type === 'file') return p;
    return undefined;
  };
}

/** The tenant of a request, or 401 when the gateway sent none. */
export function tenantOf(req: FastifyRequest): string {
  if (!req.tenantId) throw new AppError('UNAUTHORIZED', 401, 'No tenant on this request.');
  return req.tenantId;
}

/**
 * @fastify/multipart and busboy errors every upload route answers alike: too many fields or parts,
 * a `__proto__` field, a malformed or cut-off body. Undefined for the others (too large, too many
 * files), which each route words with its own limit and code.
 */
export function commonMultipartProblem(err: unknown, knownFields: string): AppError | undefined {
  const code = String((err as { code?: unknown }).code ?? '');
  if (code === 'FST_FIELDS_LIMIT' || code === 'FST_PARTS_LIMIT') return new AppError('VALIDATION_FAILED', 400, `Too many multipart fields: send ${knownFields}.`);
  if (code === 'FST_PROTO_VIOLATION') return new AppError('VALIDATION_FAILED', 400, 'The request does not match the schema.', [{ field: '__proto__', message: 'is not a known field' }]);
  const status = (err as { statusCode?: unknown }).statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) return undefined; // already a client error
  const message = (err as Error | undefined)?.message ?? '';
  // a part stream cut short: the body ended early, or busboy stopped at one of its limits mid-file
  // (busboy says "Part terminated early due to unexpected end of multipart data" for a body cut inside a part)
  if (code === 'ERR_STREAM_PREMATURE_CLOSE' || /Unexpected end of form|unexpected end of multipart data|Malformed|boundary/i.test(message)) return new AppError('MALFORMED_MULTIPART', 400, 'The multipart body is malformed or incomplete.');
  return undefined;
}
