import { gatewayRoutes as r } from '@autocall/contracts';
import { route, type App } from '@autocall/http';
import type { TenantService } from '../domain/tenant.service';

/** The gateway's own admin routes (tenants and API keys); the admin check is the auth hook's. */
export function adminRoutes(app: App, tenants: TenantService, bodyLimit: number) {
  const opts = { bodyLimit };
  route(
    app,
    r.createTenant,
    async (req, reply) => {
      const t = await tenants.create(req.body.name);
      return reply.code(201).header('location', `/v1/admin/tenants/${t.id}`).send(t);
    },
    opts,
  );
  route(app, r.listTenants, (req) => tenants.list(req.query.page, req.query.pageSize));
  route(app, r.getTenant, (req) => tenants.get(req.params.id));
  route(
    app,
    r.createApiKey,
    async (req, reply) => {
      const k = await tenants.createKey(req.params.id);
      return reply.code(201).header('location', `/v1/admin/tenants/${req.params.id}/api-keys/${k.id}`).send(k);
    },
    opts,
  );
  route(app, r.listApiKeys, (req) => tenants.listKeys(req.params.id));
  route(app, r.revokeApiKey, async (req, reply) => {
    await tenants.revokeKey(req.params.id, req.params.keyId);
    return reply.code(204).send();
  });
}
