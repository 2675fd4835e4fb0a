import type { FastifyReply, FastifyRequest } from 'fastify';
import { secretsEqual } from '@autocall/http';
import { presentedKey } from '../domain/api-key';
import { errors } from '../domain/errors';
import { addressBucket } from '../adapters/address-bucket';
import type { FixedWindows } from '../domain/rate-limit';
import type { TenantService } from '../usecases/tenant.service';

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
}

const seconds = (ms: number) => String(Math.max(1, Math.ceil(ms / 1000)));

/**
 * /v1/admin/*: `Authorization: Bearer $ADMIN_TOKEN` only (a tenant key, X-API-Key or no configured
 * token: 401). Every other /v1 route: a live API key, which names the tenant.
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
      subject = 'admin';
    } else {
      const key = presentedKey(req.headers);
      const cached = key ? o.tenants.authenticateCached(key) : undefined;
      if (!cached && wait > 0) throw blocked();
      const found = cached ?? (key ? await o.tenants.authenticate(key) : undefined);
      if (!found) throw refuse(key ? 'The API key is unknown or revoked.' : 'Send the API key as `Authorization: Bearer <key>` or `X-API-Key`.');
      req.tenantId = found.tenantId;
      subject = found.keyId;
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
  };
}
