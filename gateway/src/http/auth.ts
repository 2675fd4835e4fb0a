import type { FastifyReply, FastifyRequest } from 'fastify';
import { secretsEqual } from '@autocall/http';
import { isUuid } from '@autocall/contracts';
import { presentedKey } from '../domain/api-key';
import { actorOf, type Caller, type TenantCaller } from '../domain/caller';
import { errors } from '../domain/errors';
import { addressBucket } from '../adapters/address-bucket';
import type { FixedWindows } from '../domain/rate-limit';
import { atLeast, resourceTypeOf, UNLISTED, type MatchedRoute, type RouteTable } from '../domain/roles';
import { csrfTokenOf, sessionTokenFrom } from '../domain/session';
import type { AuditService } from '../usecases/audit.service';
import type { SessionService } from '../usecases/session.service';
import type { TenantService } from '../usecases/tenant.service';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who the gateway authenticated (undefined on public routes). */
    caller: Caller | undefined;
    /** The pending audit record of this request, settled when it is answered. */
    auditId: string | undefined;
    /** `?dryRun=true` on a route whose service honours it: it changes nothing, so it is neither audited nor kept for idempotent replay. */
    dryRun: boolean;
    /** The route's answer shows a secret: an idempotent replay keeps it only encrypted. */
    secretAnswer: boolean;
  }
}

/** The authenticated tenant caller of a request (the auth hook guarantees one on tenant routes). */
export function tenantCaller(req: FastifyRequest): TenantCaller {
  const c = req.caller;
  if (!c || c.type === 'admin') throw errors.UNAUTHORIZED();
  return c;
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

const isAdminPath = (url: string) => url === '/v1/admin' || url.startsWith('/v1/admin/') || url.startsWith('/v1/admin?');

/**
 * Routing, the admin check and the proxy must all see the same path. The router decodes
 * percent-escapes and the services never see a normalised path, so a path that is not already
 * canonical (escapes, backslashes, empty or dot segments) is refused before anything else:
 * `/v1/%61dmin/tenants` or `/v1/tasks/../admin` never reach a route. No public route needs them.
 */
export function assertCanonicalPath(url: string): void {
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  if (/[%\\]/.test(path) || path.includes('//') || /\/\.{1,2}(\/|$)/.test(path)) {
    throw errors.INVALID_PATH();
  }
}

export interface AuthOptions {
  tenants: TenantService;
  adminToken: string | undefined;
  /** Requests per window per authenticated credential (API key id, or the admin). */
  perKey: FixedWindows;
  /** Failed authentications per window per client address. */
  failures: FixedWindows;
  sessions: SessionService;
  routes: RouteTable;
  audit: AuditService;
  /** Public routes with `limitBy`: requests per window per parameter value and per client address. */
  publicLimits?: { perValue: FixedWindows; perAddress: FixedWindows };
}

const seconds = (ms: number) => String(Math.max(1, Math.ceil(ms / 1000)));

/**
 * /v1/admin/*: `Authorization: Bearer $ADMIN_TOKEN` only (a tenant key, X-API-Key or no configured
 * token: 401). Every other /v1 route: a live API key, or else a session cookie, which names the
 * tenant and the role; a cookie-authenticated change needs the session's `X-CSRF-Token`. Public
 * routes (login) need nothing. Then the role table decides (403 FORBIDDEN below the route's least
 * role), after the change has been written to the audit log as pending.
 *
 * Two limits, in this order: an address that failed to authenticate `failures.limit` times in the
 * window gets 429 AUTH_RATE_LIMITED for every /v1 request whose credential would need a database
 * lookup (so random keys cannot make each request cost one); the admin token and keys this replica
 * holds as live in its cache still pass, so one bad client behind a shared address does not lock
 * out the others. Then an authenticated credential gets `perKey.limit` requests per window
 * (429 RATE_LIMITED, RateLimit-* headers on every answer).
 */
export function authHook(o: AuthOptions) {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    assertCanonicalPath(req.url); // first: routing, the admin check and the proxy must see one path
    const q = req.url.indexOf('?');
    const path = q === -1 ? req.url : req.url.slice(0, q);
    const route = o.routes.match(req.method, path);
    const access = route?.access ?? UNLISTED;
    if (access.least === 'public') {
      if (access.limitBy !== undefined && o.publicLimits) {
        const limited = (w: { resetAt: number }) => {
          reply.header('retry-after', seconds(w.resetAt - Date.now()));
          return errors.CALLBACK_RATE_LIMITED();
        };
        const byAddress = o.publicLimits.perAddress.hit(addressBucket(req.ip));
        if (byAddress.count > o.publicLimits.perAddress.limit) throw limited(byAddress);
        const byValue = o.publicLimits.perValue.hit(`${route?.pattern}\u0000${route?.params[access.limitBy] ?? ''}`);
        if (byValue.count > o.publicLimits.perValue.limit) throw limited(byValue);
      }
      return;
    }
    const address = addressBucket(req.ip);
    const wait = o.failures.blockedFor(address);
    const blocked = () => {
      reply.header('retry-after', seconds(wait));
      return errors.AUTH_RATE_LIMITED();
    };
    const refuse = (detail: string) => {
      o.failures.hit(address);
      reply.header('www-authenticate', 'Bearer');
      return errors.UNAUTHORIZED(detail);
    };
    let subject: string;
    // the matched route decides (never the raw URL alone): /v1/admin/… routes need the admin token
    if (isAdminPath(req.routeOptions.url ?? req.url) || isAdminPath(req.url)) {
      const m = /^Bearer[ ]+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
      if (!o.adminToken || !m || !secretsEqual(m[1], o.adminToken)) throw wait > 0 ? blocked() : refuse('This route needs the admin token.');
      req.isAdmin = true;
      req.caller = { type: 'admin' };
      subject = 'admin';
    } else {
      const key = presentedKey(req.headers);
      const token = key === undefined ? sessionTokenFrom(req.headers.cookie) : undefined;
      if (token !== undefined) {
        const cached = o.sessions.authenticateCached(token);
        if (!cached && wait > 0) throw blocked();
        const s = cached ?? (await o.sessions.authenticate(token));
        if (!s) throw refuse('The session has ended or is unknown: log in again.');
        req.tenantId = s.tenantId;
        req.caller = { type: 'user', id: s.userId, tenantId: s.tenantId, role: s.role, email: s.email, name: s.name, sessionId: s.keyId, csrfToken: () => csrfTokenOf(token) };
        subject = s.userId;
        const csrf = req.headers['x-csrf-token'];
        if (UNSAFE.has(req.method) && (typeof csrf !== 'string' || !secretsEqual(csrf, req.caller.csrfToken()))) throw errors.CSRF_TOKEN_INVALID();
      } else {
        const cached = key ? o.tenants.authenticateCached(key) : undefined;
        if (!cached && wait > 0) throw blocked();
        const found = cached ?? (key ? await o.tenants.authenticate(key) : undefined);
        if (!found) throw refuse(key ? 'The API key is unknown or revoked.' : 'Send the API key as `Authorization: Bearer <key>` or `X-API-Key`, or log in for a session cookie.');
        req.tenantId = found.tenantId;
        req.caller = { type: 'apiKey', id: found.keyId, tenantId: found.tenantId, role: found.role };
        subject = found.keyId;
      }
    }
    req.dryRun = access.dryRun === true && isDryRun(req);
    req.secretAnswer = access.secret === true;
    if (UNSAFE.has(req.method) && access.action !== undefined && !req.dryRun) {
      const id = await o.audit.begin(auditEntry(req, req.caller, route, access.action));
      req.auditId = id;
      settleIfAbandoned(o.audit, req, reply, id);
    }
    const now = Date.now();
    const w = o.perKey.hit(subject, now);
    const reset = seconds(w.resetAt - now);
    reply.header('ratelimit-limit', String(o.perKey.limit));
    reply.header('ratelimit-remaining', String(Math.max(0, o.perKey.limit - w.count)));
    reply.header('ratelimit-reset', reset);
    if (w.count > o.perKey.limit) {
      reply.header('retry-after', reset);
      throw errors.RATE_LIMITED();
    }
    const c = req.caller;
    if (c.type !== 'admin' && (access.least === 'platform' || !atLeast(c.role, access.least))) throw errors.FORBIDDEN(`This needs the role ${access.least === 'platform' ? 'of the platform admin' : access.least}; yours is ${c.role}.`);
  };
}

/**
 * `?dryRun=true` checks a create without making anything: not a change, not audited — only on a
 * route whose row says its service honours it (`dryRun`), since anywhere else the flag is ignored
 * and the change is made (a client could otherwise hide any change from the audit log).
 */
const isDryRun = (req: FastifyRequest) => /[?&]dryRun=true(&|$)/.test(req.url);

function auditEntry(req: FastifyRequest, caller: Caller, route: MatchedRoute | undefined, action: string) {
  const params = route ? Object.values(route.params) : [];
  const ua = req.headers['user-agent'];
  return {
    tenantId: caller.type === 'admin' ? (route?.pattern.startsWith('/v1/admin/tenants/:id') && isUuid(route.params.id) ? route.params.id : null) : caller.tenantId,
    actor: actorOf(caller),
    action,
    resource: { type: resourceTypeOf(action), id: params.length > 0 ? params[params.length - 1] : null },
    requestId: req.id,
    ip: req.ip,
    userAgent: typeof ua === 'string' ? ua : null,
  };
}

/** Settles the request's pending audit record with its status (and the new resource's id from a 201's Location). */
export function settleAudit(audit: AuditService) {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    const id = req.auditId;
    if (id === undefined) return;
    const location = reply.getHeader('location');
    const created = reply.statusCode === 201 && typeof location === 'string' ? (location.split('?')[0].split('/').pop() ?? null) : null;
    audit.settle(id, reply.statusCode, created).catch((err: unknown) => req.log.warn({ err }, 'audit settle failed'));
  };
}

/**
 * The client hung up before its answer: the record is settled 499 (the change may still have been
 * made upstream), never left pending. Fastify's onRequestAbort fires only while the body is still
 * arriving and onResponse only when an answer was written out, so the socket's close decides.
 */
export const CLIENT_CLOSED = 499;
function settleIfAbandoned(audit: AuditService, req: FastifyRequest, reply: FastifyReply, id: string) {
  const abandoned = () => {
    if (reply.raw.writableFinished) return;
    audit.settle(id, CLIENT_CLOSED, null).catch((err: unknown) => req.log.warn({ err }, 'audit settle failed'));
  };
  // it may have closed while the record was written
  if (reply.raw.closed) abandoned();
  else reply.raw.once('close', abandoned);
}
