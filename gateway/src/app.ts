import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyRequest } from 'fastify';
import { publicRoutes } from '@autocall/contracts';
import { isDatabaseReady } from '@autocall/db';
import { createServer, type App } from '@autocall/http';
import type { ServiceDeps } from '@autocall/service';
import type { GatewayConfig } from './config';
import { Init1764100000000 } from './data/migrations/1764100000000-Init';
import { idempotencyRepository } from './data/idempotency.repository';
import { errors } from './domain/errors';
import { TenantService } from './domain/tenant.service';
import { adminRoutes } from './http/admin.routes';
import { authHook, canonicalPath, credentialOf } from './http/auth';
import { buildOpenApi } from './openapi/openapi';
import { proxyRoutes } from './proxy/proxy';
import { closeUpstreams, createUpstreams } from './proxy/upstreams';

export const GATEWAY_SCHEMA = 'gateway';
export const gatewayMigrations = [Init1764100000000];

const PURGE_EVERY_MS = 60 * 60 * 1000;

/** The rate-limit bucket: the presented credential's hash, or the client address when there is none. */
function rateLimitKey(req: FastifyRequest): string {
  credentialOf(req);
  return req.credentialHash ? `k:${req.credentialHash.toString('base64')}` : `ip:${req.ip}`;
}

/**
 * The public edge: CORS, per-key rate limits, auth (API keys, admin token), the admin API, the
 * streaming proxy to the services, Idempotency-Key, and the OpenAPI document. Never listens.
 */
export async function buildApp(deps: ServiceDeps<GatewayConfig>): Promise<App> {
  const c = deps.config;
  const app = createServer({
    name: 'gateway',
    logger: deps.logger,
    metricsToken: c.INTERNAL_TOKEN,
    bodyLimit: c.GATEWAY_BODY_LIMIT_BYTES,
    readiness: { database: () => isDatabaseReady(deps.db) },
  });
  const tenants = new TenantService(deps.db);
  const upstreams = createUpstreams(c);
  app.addHook('onClose', async () => closeUpstreams(upstreams));

  const origins = c.CORS_ORIGINS.split(',').map((o) => o.trim()).filter(Boolean);
  await app.register(cors, {
    origin: origins.includes('*') ? '*' : origins,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['Authorization', 'X-API-Key', 'Content-Type', 'Idempotency-Key', 'X-Request-Id', 'Range'],
    exposedHeaders: ['X-Request-Id', 'Location', 'Retry-After', 'RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset', 'Content-Disposition', 'Idempotent-Replayed'],
    maxAge: 600,
  });
  await app.register(rateLimit, {
    global: false,
    max: c.RATE_LIMIT_PER_SECOND,
    timeWindow: 1000,
    enableDraftSpec: true,
    keyGenerator: rateLimitKey,
    errorResponseBuilder: () => errors.RATE_LIMITED(),
  });

  const document = buildOpenApi(publicRoutes, { version: '1' });
  await app.register(swagger, { mode: 'static', specification: { document: document as any } });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  await app.register(async (v1) => {
    v1.addHook('onRequest', canonicalPath);
    v1.addHook('onRequest', v1.rateLimit());
    v1.addHook('onRequest', authHook(tenants, c.ADMIN_TOKEN));
    adminRoutes(v1 as App, tenants, c.GATEWAY_BODY_LIMIT_BYTES);
    await v1.register(proxyRoutes, {
      db: deps.db,
      upstreams,
      internalToken: c.INTERNAL_TOKEN,
      upstreamTimeoutMs: c.UPSTREAM_TIMEOUT_MS,
      idempotencyWaitMs: c.IDEMPOTENCY_WAIT_MS,
      bodyLimit: c.GATEWAY_BODY_LIMIT_BYTES,
    });
  });

  const purge = setInterval(() => {
    idempotencyRepository.purgeExpired(deps.db.manager).catch((err: unknown) => deps.logger.warn({ err }, 'idempotency purge failed'));
  }, PURGE_EVERY_MS);
  purge.unref();
  app.addHook('onClose', async () => clearInterval(purge));

  // Not `await app.ready()` here, unlike the services: with encapsulated plugins (the /v1 scope,
  // swagger-ui) fastify marks itself started a few ticks after ready, and runService's later
  // `addHook('onClose')` would then throw. listen() (or the first inject) readies it.
  return app;
}
