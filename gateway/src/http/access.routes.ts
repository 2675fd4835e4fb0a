import { accessRoutes as r } from '@autocall/contracts';
import { route, type App } from '@autocall/http';
import { addressBucket } from '../adapters/address-bucket';
import { errors } from '../domain/errors';
import { clearedSessionCookie, sessionCookie } from '../domain/session';
import type { AuditService } from '../usecases/audit.service';
import type { SessionService } from '../usecases/session.service';
import type { TenantService } from '../usecases/tenant.service';
import type { UserService } from '../usecases/user.service';
import { created, takeFingerprint, type AdminRouteOptions } from './admin.routes';
import { tenantCaller } from './auth';

export interface AccessDeps {
  sessions: SessionService;
  users: UserService;
  tenants: TenantService;
  audit: AuditService;
}

/**
 * Login, sessions and who-am-I, the tenant's users and API keys, and its audit log. `/v1/auth/*`
 * ignores Idempotency-Key (a replay must never hand out a session); the creating POSTs honour it.
 */
export function accessRoutes(app: App, d: AccessDeps, opts: AdminRouteOptions) {
  const post = { bodyLimit: opts.bodyLimit, preValidation: takeFingerprint };
  const secure = (protocol: string) => protocol === 'https';

  route(app, r.login, async (req, reply) => {
    const ua = req.headers['user-agent'];
    const out = await d.sessions.login(req.body.email, req.body.password, { requestId: req.id, ip: req.ip, address: addressBucket(req.ip), userAgent: typeof ua === 'string' ? ua : null });
    if ('limited' in out) {
      reply.header('retry-after', String(out.limited));
      throw errors.LOGIN_RATE_LIMITED();
    }
    reply.header('set-cookie', sessionCookie(out.token, out.maxAgeSeconds, secure(req.protocol)));
    reply.header('cache-control', 'no-store');
    return out.answer;
  });
  route(app, r.logout, async (req, reply) => {
    await d.sessions.logout(tenantCaller(req));
    return reply.code(204).header('set-cookie', clearedSessionCookie(secure(req.protocol))).send();
  });
  route(app, r.getMe, (req, reply) => {
    reply.header('cache-control', 'no-store');
    return d.sessions.me(tenantCaller(req));
  });
  route(app, r.changeMyPassword, async (req, reply) => {
    await d.sessions.changePassword(tenantCaller(req), req.body.currentPassword, req.body.newPassword);
    return reply.code(204).send();
  });

  route(app, r.listUsers, (req) => d.users.list(tenantCaller(req), req.query.page, req.query.pageSize));
  route(
    app,
    r.createUser,
    (req, reply) =>
      created<typeof r.createUser>(req, reply, opts, async () => {
        const u = await d.users.create(tenantCaller(req), req.body);
        return { body: u, location: `/v1/users/${u.id}` };
      }),
    post,
  );
  route(app, r.getUser, (req) => d.users.get(tenantCaller(req), req.params.id));
  route(app, r.updateUser, (req) => d.users.update(tenantCaller(req), req.params.id, req.body));
  route(app, r.deleteUser, async (req, reply) => {
    await d.users.delete(tenantCaller(req), req.params.id);
    return reply.code(204).send();
  });

  route(
    app,
    r.createApiKey,
    (req, reply) =>
      created<typeof r.createApiKey>(req, reply, opts, async () => {
        const k = await d.tenants.createTenantKey(tenantCaller(req), req.body.name, req.body.role);
        return { body: k, location: `/v1/api-keys/${k.id}` };
      }),
    post,
  );
  route(app, r.listApiKeys, (req) => d.tenants.pageTenantKeys(tenantCaller(req), req.query.page, req.query.pageSize));
  route(app, r.revokeApiKey, async (req, reply) => {
    await d.tenants.revokeTenantKey(tenantCaller(req), req.params.id);
    return reply.code(204).send();
  });

  route(app, r.listAuditEvents, (req) => d.audit.list({ ...req.query, tenantId: tenantCaller(req).tenantId }));
}
