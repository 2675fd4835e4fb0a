import type { IncomingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Dispatcher, Pool } from 'undici';
import { AppError, SMS_CALLBACK_MAX_BYTES } from '@autocall/contracts';
import { ACTOR_HEADER, ADMIN_HEADER, INTERNAL_TOKEN_HEADER, REQUEST_ID_HEADER, ROLE_HEADER, TENANT_HEADER, type App } from '@autocall/http';
import { actorHeaderOf } from '../domain/caller';
import { errors } from '../domain/errors';
import { bodyDigest, fingerprint } from '../domain/fingerprint';
import { idempotencyKeyOf } from '../http/idempotency';
import { idempotent, type IdempotencyOptions, type Produced } from '../usecases/idempotency';
import { multipartTap } from './multipart-digest';
import { proxyTable, type Upstreams } from './upstreams';

const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade'];
/** Never forwarded: hop-by-hop, the client's credentials, and the headers only the gateway may set. */
// `expect` too: the gateway has answered the client's `100-continue` itself and sends the body at once
// (undici refuses the header).
const DROP_REQUEST = new Set([...HOP_BY_HOP, 'expect', 'host', 'authorization', 'x-api-key', 'idempotency-key', INTERNAL_TOKEN_HEADER, TENANT_HEADER, ADMIN_HEADER, ROLE_HEADER, ACTOR_HEADER, REQUEST_ID_HEADER, 'cookie', 'x-csrf-token']);
const DROP_RESPONSE = new Set([...HOP_BY_HOP, REQUEST_ID_HEADER]);
/** Response headers an idempotent replay repeats. */
const REPLAYED_HEADERS = ['content-type', 'location', 'content-disposition'];

export interface ProxyOptions {
  upstreams: Upstreams;
  internalToken: string;
  bodyLimit: number;
  idempotency: IdempotencyOptions;
  /** Live event streams this replica carries at once (GATEWAY_MAX_STREAMS). */
  maxStreams: number;
}

export function upstreamHeaders(req: FastifyRequest, internalToken: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  const h = req.headers;
  for (const k in h) {
    const v = h[k];
    if (v !== undefined && !DROP_REQUEST.has(k)) out[k] = v;
  }
  out[INTERNAL_TOKEN_HEADER] = internalToken;
  out[REQUEST_ID_HEADER] = req.id;
  if (req.isAdmin) out[ADMIN_HEADER] = 'true';
  else out[TENANT_HEADER] = req.tenantId;
  const c = req.caller;
  if (c) {
    out[ACTOR_HEADER] = actorHeaderOf(c);
    if (c.type !== 'admin') out[ROLE_HEADER] = c.role;
  }
  const fwd = req.headers['x-forwarded-for'];
  out['x-forwarded-for'] = fwd ? `${String(fwd)}, ${req.ip}` : req.ip;
  return out;
}

const hasBody = (h: IncomingHttpHeaders) => h['transfer-encoding'] !== undefined || (h['content-length'] !== undefined && h['content-length'] !== '0');
const isMultipart = (h: IncomingHttpHeaders) => /^multipart\//i.test(h['content-type'] ?? '');

async function send(req: FastifyRequest, pool: Pool, opts: ProxyOptions, body: Dispatcher.RequestOptions['body']): Promise<Dispatcher.ResponseData> {
  try {
    return await pool.request({ method: req.method as Dispatcher.HttpMethod, path: req.url, headers: upstreamHeaders(req, opts.internalToken), body });
  } catch (err) {
    req.log.warn({ err: (err as Error).message, code: (err as { code?: string }).code }, 'upstream unavailable');
    throw errors.DEPENDENCY_UNAVAILABLE();
  }
}

function copyResponseHeaders(reply: FastifyReply, headers: Record<string, string | string[] | undefined>) {
  for (const k in headers) {
    const v = headers[k];
    if (v !== undefined && !DROP_RESPONSE.has(k)) reply.header(k, v);
  }
}

/** Reads a body into memory up to `limit` bytes (413 beyond). */
async function readBody(stream: Readable, limit: number, declared?: string): Promise<Buffer> {
  if (declared !== undefined && Number(declared) > limit) throw errors.PAYLOAD_TOO_LARGE();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += (chunk as Buffer).length;
    if (size > limit) throw errors.PAYLOAD_TOO_LARGE();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** The promise's value, or undefined when it takes longer than `ms`. */
async function within<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** Answers up to this size (by Content-Length) are passed on as one buffer: cheaper than a pipe. */
const SMALL_RESPONSE = 64 * 1024;

/**
 * Streams the request to its service and the answer back: nothing is parsed, uploads are never
 * buffered. It drives undici's dispatcher directly (no response stream or async iterator per
 * request): a small answer is collected and sent as one buffer, a bigger or unsized one is streamed
 * with back-pressure, and a client that goes away aborts the upstream request.
 */
function streamThrough(req: FastifyRequest, reply: FastifyReply, pool: Pool, opts: ProxyOptions): Promise<FastifyReply> {
  return new Promise((resolve, reject) => {
    let chunks: Buffer[] | undefined;
    let stream: Readable | undefined;
    // a small answer's status and headers are applied only once it has fully arrived: an upstream
    // failing midway must give the client a clean 503, not one carrying the upstream's headers
    let head: { statusCode: number; headers: Parameters<typeof copyResponseHeaders>[1] } | undefined;
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart() {
        // nothing to do: the new handler API is recognised by this method
      },
      onResponseStart(controller, statusCode, headers) {
        const length = Number(headers['content-length'] ?? NaN);
        if (length <= SMALL_RESPONSE) {
          head = { statusCode, headers };
          chunks = [];
          return;
        }
        reply.code(statusCode);
        copyResponseHeaders(reply, headers);
        stream = new PassThroughBody(controller);
        resolve(reply.send(stream));
      },
      onResponseData(controller, chunk) {
        if (chunks) chunks.push(chunk);
        else if (stream && !stream.push(chunk)) controller.pause();
      },
      onResponseEnd() {
        if (chunks && head) {
          reply.code(head.statusCode);
          copyResponseHeaders(reply, head.headers);
          resolve(reply.send(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
        }
        else stream?.push(null);
      },
      onResponseError(_controller, err) {
        if (stream) {
          stream.destroy(err);
          return;
        }
        req.log.warn({ err: err.message, code: (err as { code?: string }).code }, 'upstream unavailable');
        reject(errors.DEPENDENCY_UNAVAILABLE());
      },
    };
    pool.dispatch(
      { method: req.method as Dispatcher.HttpMethod, path: req.url, headers: upstreamHeaders(req, opts.internalToken), body: hasBody(req.headers) ? req.raw : undefined },
      handler,
    );
  });
}

/** An upstream body as a readable stream: reading resumes the upstream, destroying it aborts the request. */
class PassThroughBody extends Readable {
  constructor(private readonly controller: Dispatcher.DispatchController) {
    super();
  }

  override _read(): void {
    this.controller.resume();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    if (!this.readableEnded) this.controller.abort(err ?? new Error('client went away'));
    cb(err);
  }
}

/**
 * A proxied POST under an Idempotency-Key (see idempotent()): a JSON or other non-multipart body is
 * buffered for its fingerprint before the claim; a multipart upload streams through and its
 * fingerprint is known once it has passed. A 5xx or a network failure forgets the record.
 */
async function idempotentProxy(req: FastifyRequest, reply: FastifyReply, pool: Pool, opts: ProxyOptions, key: string) {
  const multipart = isMultipart(req.headers);
  let buffered: Buffer | undefined;
  let fp: string | null = null;
  if (!multipart) {
    buffered = await readBody(req.raw, opts.bodyLimit, req.headers['content-length']);
    fp = fingerprint(req.method, req.url, bodyDigest(buffered, req.headers['content-type']));
  }
  const lateFingerprint = async () => fingerprint(req.method, req.url, await digestOnly(req));
  return idempotent(req, reply, opts.idempotency, { key, fingerprint: fp, lateFingerprint, sealed: req.secretAnswer }, async (): Promise<Produced> => {
    let digest: Promise<string> | undefined;
    let body: Dispatcher.RequestOptions['body'];
    if (multipart) {
      const tap = multipartTap(req.headers);
      req.raw.pipe(tap.stream);
      req.raw.on('error', (err) => tap.stream.destroy(err));
      body = tap.stream;
      digest = tap.digest;
    } else {
      body = buffered && buffered.length > 0 ? buffered : undefined;
    }
    const res = await send(req, pool, opts, body);
    if (res.statusCode >= 500) {
      return {
        send: () => {
          reply.code(res.statusCode);
          copyResponseHeaders(reply, res.headers);
          return reply.send(res.body);
        },
      };
    }
    let answer: Buffer;
    try {
      answer = Buffer.from(await res.body.arrayBuffer());
    } catch {
      throw errors.DEPENDENCY_UNAVAILABLE();
    }
    let final = fp;
    if (digest) {
      // If the service answered before reading everything (413, 415), the rest is read for the digest.
      (body as Readable).resume();
      const d = await within(digest, 10_000).catch(() => undefined);
      final = d === undefined ? null : fingerprint(req.method, req.url, d);
    }
    const stored: Record<string, string> = {};
    for (const h of REPLAYED_HEADERS) {
      const v = res.headers[h];
      if (typeof v === 'string') stored[h] = v;
    }
    return {
      // a body that never ended leaves nothing to compare a retry with: the record is forgotten
      keep: final === null ? undefined : { fingerprint: final, response: { status: res.statusCode, headers: stored, body: answer } },
      send: () => {
        reply.code(res.statusCode);
        copyResponseHeaders(reply, res.headers);
        return reply.send(answer.length > 0 ? answer : undefined);
      },
    };
  });
}

/** The digest of a duplicate multipart request that will not be forwarded: read it all. */
async function digestOnly(req: FastifyRequest): Promise<string> {
  const tap = multipartTap(req.headers);
  req.raw.pipe(tap.stream);
  tap.stream.resume();
  const d = await within(tap.digest, 30_000);
  if (d === undefined) throw new AppError('BAD_REQUEST', 400, 'The request body did not arrive.');
  return d;
}

const CALLBACKS_URL = '/v1/sms-callbacks/*';

/** The long-lived stream: it must end when the credential it was opened with stops working. */
const STREAM_URL = '/v1/events';

/**
 * Ends the response when the caller's API key is revoked or its session ends (on any replica:
 * CredentialEnds hears of it through LISTEN/NOTIFY), or its user changes; the client reconnects
 * with its Last-Event-ID and is let in again only if its credential still works. Destroying the
 * response aborts the upstream request, so the service frees the stream too.
 */
function endWithCredential(app: App, req: FastifyRequest, reply: FastifyReply): void {
  const c = req.caller;
  if (!c || c.type === 'admin') return;
  const ids = c.type === 'apiKey' ? [c.id] : [c.sessionId, c.id];
  const unwatch = ids.map((id) => app.credentialEnds.watch(id, () => reply.raw.destroy()));
  reply.raw.once('close', () => unwatch.forEach((u) => u()));
}

/**
 * The proxy routes, in their own plugin scope: a catch-all content-type parser leaves every body
 * unread, so uploads stream from the client socket to the service.
 */
export async function proxyRoutes(app: App, opts: ProxyOptions) {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_req, _payload, done) => done(null, undefined));
  let streams = 0;
  for (const [url, service] of proxyTable) {
    // a stream holds its connection while it is open: streams have a pool of their own
    const pool = url === STREAM_URL ? opts.upstreams.streams : opts.upstreams[service];
    app.route({
      method: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
      url,
      // a provider's callback comes from its servers, never from a browser: no CORS headers to work out
      config: url === CALLBACKS_URL ? { cors: false } : undefined,
      handler: async (req, reply) => {
        // Services take JSON bodies up to this limit and close the connection on a bigger one, which
        // would race the upload (EPIPE, then 503): refuse it here. Uploads (multipart) are the services' to judge.
        if (!isMultipart(req.headers) && Number(req.headers['content-length'] ?? 0) > opts.bodyLimit) throw errors.PAYLOAD_TOO_LARGE();
        // a provider's callback is small (API.md: at most 64 KiB); a bigger declared one is refused here, an unsized one by the service
        if (url === CALLBACKS_URL && Number(req.headers['content-length'] ?? 0) > SMS_CALLBACK_MAX_BYTES) throw errors.PAYLOAD_TOO_LARGE();
        // A dry run's answer is never kept under its Idempotency-Key: the real create sent next under
        // the same key (a wizard's last step) must run, not replay the check or meet 422 KEY_REUSED.
        // a provider's callback has no caller to keep an answer for (and is idempotent by its receipt or message id)
        const key = req.dryRun || url === CALLBACKS_URL ? undefined : idempotencyKeyOf(req);
        if (url === STREAM_URL) {
          if (streams >= opts.maxStreams) {
            reply.header('retry-after', '5');
            throw errors.STREAM_LIMIT_REACHED();
          }
          streams++;
          reply.raw.once('close', () => streams--);
          endWithCredential(app, req, reply);
        }
        return key === undefined ? streamThrough(req, reply, pool, opts) : idempotentProxy(req, reply, pool, opts, key);
      },
    });
  }
}
