import type { FastifyReply, FastifyRequest } from 'fastify';
import { hashApiKey, presentedKey, secretsEqual } from '../domain/api-key';
import { errors } from '../domain/errors';
import type { TenantService } from '../domain/tenant.service';

declare module 'fastify' {
  interface FastifyRequest {
    /** SHA-256 of the credential the request presents (API key or admin token); the rate-limit key. */
    credentialHash?: Buffer;
  }
}

const isAdminPath = (url: string) => url === '/v1/admin' || url.startsWith('/v1/admin/') || url.startsWith('/v1/admin?');

/**
 * Routing, the admin check and the proxy must all see the same path. The router decodes
 * percent-escapes and the services never see a normalised path, so a path that is not already
 * canonical (escapes, backslashes, empty or dot segments) is refused before anything else:
 * `/v1/%61dmin/tenants` or `/v1/tasks/../admin` never reach a route. No public route needs them.
 */
export async function canonicalPath(req: FastifyRequest): Promise<void> {
  const path = req.url.split('?')[0];
  if (/[%\\]/.test(path) || path.includes('//') || /\/\.{1,2}(\/|$)/.test(path)) {
    throw errors.INVALID_PATH();
  }
}

/** Remembers the presented credential's hash, so the rate limiter and the auth check hash it once. */
export function credentialOf(req: FastifyRequest): string | undefined {
  const key = presentedKey(req.headers);
  if (key && !req.credentialHash) req.credentialHash = hashApiKey(key);
  return key;
}

/**
 * /v1/admin/*: `Authorization: Bearer $ADMIN_TOKEN` only (a tenant key, X-API-Key or no configured
 * token: 401). Every other /v1 route: a live API key, which names the tenant.
 */
export function authHook(tenants: TenantService, adminToken: string | undefined) {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    // the matched route decides (never the raw URL alone): /v1/admin/… routes need the admin token
    if (isAdminPath(req.routeOptions.url ?? req.url) || isAdminPath(req.url)) {
      const m = /^Bearer[ ]+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
      if (!adminToken || !m || !secretsEqual(m[1], adminToken)) {
        reply.header('www-authenticate', 'Bearer');
        throw errors.UNAUTHORIZED('This route needs the admin token.');
      }
      req.isAdmin = true;
      return;
    }
    const key = credentialOf(req);
    const found = key ? await tenants.authenticate(key, req.credentialHash) : undefined;
    if (!found) {
      reply.header('www-authenticate', 'Bearer');
      throw errors.UNAUTHORIZED(key ? 'The API key is unknown or revoked.' : 'Send the API key as `Authorization: Bearer <key>` or `X-API-Key`.');
    }
    req.tenantId = found.tenantId;
  };
}
