import type { FastifyRequest } from 'fastify';
import { accessRoutes, gatewayRoutes as r, type RouteDef } from '@autocall/contracts';
import { plainReply, route, sentBy, type App, type ResponseBody, type RouteReply } from '@autocall/http';
import { fingerprint, parsedBodyDigest } from '../domain/fingerprint';
import { idempotent, type IdempotencyOptions } from '../usecases/idempotency';
import type { AuditService } from '../usecases/audit.service';
import type { TenantService } from '../usecases/tenant.service';
import { idempotencyKeyOf } from './idempotency';

export interface AdminRouteOptions {
  bodyLimit: number;
  idempotency: IdempotencyOptions;
}

/** Fingerprints of admin POSTs under an Idempotency-Key, taken from the body as it came (before validation may fill in defaults). */
const fingerprints = new WeakMap<FastifyRequest, string>();
const fingerprintOf = (req: FastifyRequest) => fingerprint(req.method, req.url, parsedBodyDigest(req.body, req.headers['content-type']));

export async function takeFingerprint(req: FastifyRequest) {
  if (req.headers['idempotency-key'] !== undefined) fingerprints.set(req, fingerprintOf(req));
}

/**
 * Answers an admin POST that creates something (201, JSON, Location). Under an Idempotency-Key it
 * runs through the same store and rules as a proxied POST, and since the answer holds a new API key
 * in plain text, the copy kept for replays is encrypted (BodySealer). A refusal (thrown error) keeps
 * nothing: nothing was created, so the key stays free.
 */
export async function created<R extends RouteDef>(req: FastifyRequest, typed: RouteReply<R>, opts: AdminRouteOptions, create: () => Promise<{ body: ResponseBody<R, 201>; location: string }>) {
  const reply = plainReply(typed); // sends the bytes serialized below, which the body's type vouches for
  const answer = async () => {
    const { body, location } = await create();
    // the bytes fastify would send (the route's response schema), so that a replay is the same
    const text = reply.code(201).serialize(body) as string;
    return { headers: { 'content-type': 'application/json; charset=utf-8', location }, text };
  };
  const key = idempotencyKeyOf(req);
  if (key === undefined) {
    const a = await answer();
    return sentBy(reply.code(201).headers(a.headers).send(a.text));
  }
  const fp = fingerprints.get(req) ?? fingerprintOf(req);
  return sentBy(
    await idempotent(req, reply, opts.idempotency, { key, fingerprint: fp, sealed: true }, async () => {
      const a = await answer();
      return {
        keep: { fingerprint: fp, response: { status: 201, headers: a.headers, body: Buffer.from(a.text) } },
        send: () => reply.code(201).headers(a.headers).send(a.text),
      };
    }),
  );
}

/** The gateway's own admin routes (tenants and API keys); the admin check is the auth hook's. */
export function adminRoutes(app: App, tenants: TenantService, audit: AuditService, opts: AdminRouteOptions) {
  const post = { bodyLimit: opts.bodyLimit, preValidation: takeFingerprint };
  route(
    app,
    r.createTenant,
    (req, reply) =>
      created<typeof r.createTenant>(req, reply, opts, async () => {
        const t = await tenants.create(req.body.name, req.body.owner);
        return { body: t, location: `/v1/admin/tenants/${t.id}` };
      }),
    post,
  );
  route(app, r.listTenants, (req) => tenants.list(req.query.page, req.query.pageSize));
  route(app, r.getTenant, (req) => tenants.get(req.params.id));
  route(app, r.patchTenant, (req) => tenants.update(req.params.id, req.body, req.id), { bodyLimit: opts.bodyLimit });
  route(
    app,
    r.createApiKey,
    (req, reply) =>
      created<typeof r.createApiKey>(req, reply, opts, async () => {
        const k = await tenants.createKey(req.params.id);
        return { body: k, location: `/v1/admin/tenants/${req.params.id}/api-keys/${k.id}` };
      }),
    post,
  );
  route(app, r.listApiKeys, (req) => tenants.listKeys(req.params.id));
  route(app, accessRoutes.listAllAuditEvents, (req) => audit.list(req.query));
  route(app, r.revokeApiKey, async (req, reply) => {
    await tenants.revokeKey(req.params.id, req.params.keyId);
    return reply.code(204).send();
  });
}
