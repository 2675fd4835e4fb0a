import type { IncomingMessage, ServerResponse } from 'node:http';
import { WorkLoop } from '@autocall/work-loop';
import cors from '@fastify/cors';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { publicRoutes } from '@autocall/contracts';
import { isDatabaseReady } from '@autocall/db';
import { createServer, type App } from '@autocall/http';
import type { ServiceDeps } from '@autocall/service';
import type { GatewayConfig } from './config';
import { ApiKeyListener } from './data/api-key-listener';
import { Init1764100000000 } from './data/migrations/1764100000000-Init';
import { ApiKeyNotify1764200000000 } from './data/migrations/1764200000000-ApiKeyNotify';
import { IdempotencySealedBody1764300000000 } from './data/migrations/1764300000000-IdempotencySealedBody';
import { People1764400000000 } from './data/migrations/1764400000000-People';
import { TenantLimits1764500000000 } from './data/migrations/1764500000000-TenantLimits';
import { PasswordHasher } from './adapters/password-hasher';
import { CredentialEnds } from './domain/credential-ends';
import { RouteTable } from './domain/roles';

declare module 'fastify' {
  interface FastifyInstance {
    /** Where a long-lived request learns that its API key or session ended (see CredentialEnds). */
    credentialEnds: CredentialEnds;
  }
}
import type { LiveSession } from './domain/session';
import { AuditService } from './usecases/audit.service';
import { SessionService } from './usecases/session.service';
import { UserService } from './usecases/user.service';
import { accessRoutes } from './http/access.routes';
import { systemAuditConsumer } from './messaging/system-audit.consumer';
import { storageResponders } from './messaging/storage.rpc';
import { idempotencyRepository } from './data/idempotency.repository';
import { ApiKeyCache } from './domain/api-key-cache';
import { FixedWindows } from './domain/rate-limit';
import { BodySealer } from './domain/sealed-body';
import { TenantService } from './usecases/tenant.service';
import { adminRoutes } from './http/admin.routes';
import { authHook, settleAudit } from './http/auth';
import { consoleRoutes } from './http/console.routes';
import { buildOpenApi } from './openapi/openapi';
import { proxyRoutes } from './proxy/proxy';
import { closeUpstreams, createUpstreams } from './proxy/upstreams';

export const GATEWAY_SCHEMA = 'gateway';
export const gatewayMigrations = [Init1764100000000, ApiKeyNotify1764200000000, IdempotencySealedBody1764300000000, People1764400000000, TenantLimits1764500000000];

const PURGE_EVERY_MS = 60 * 60 * 1000;

/** TRUST_PROXY as fastify takes it: true, or comma-separated addresses/CIDRs. */
function trustProxy(v: string | undefined): boolean | string {
  if (v === undefined || v === '' || v === 'false') return false;
  return v === 'true' ? true : v;
}

/**
 * The public edge: CORS, auth (API keys, admin token) with per-address and per-key limits, the admin API, the
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
    trustProxy: trustProxy(c.TRUST_PROXY),
    disableRequestLogging: true,
  });
  app.decorateRequest('caller', undefined);
  app.decorateRequest('auditId', undefined);
  app.decorateRequest('dryRun', false);
  app.decorateRequest('secretAnswer', false);
  // `Expect: 100-continue` (curl's default for bodies over 1 MiB): Node would answer `100 Continue`
  // before any hook ran; here it is answered once the request has passed auth and the limits
  // (preParsing runs after every onRequest hook), so a refused upload is never sent at all. Node
  // raises checkContinue only for HTTP/1.1 requests that expect it; those are marked here. No 100
  // for a path no route serves or a JSON body over the limit: their 404/413 comes without the body.
  const expectsContinue = new WeakSet<IncomingMessage>();
  app.server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    expectsContinue.add(req);
    app.server.emit('request', req, res);
  });
  app.addHook('preParsing', async (req, reply, payload) => {
    if (!expectsContinue.delete(req.raw) || reply.raw.headersSent || req.routeOptions.url === undefined) return payload;
    const multipart = /^multipart\//i.test(req.headers['content-type'] ?? '');
    if (!multipart && Number(req.headers['content-length'] ?? 0) > c.GATEWAY_BODY_LIMIT_BYTES) return payload;
    reply.raw.writeContinue();
    return payload;
  });
  // One access line per request, of plain fields (fastify's default is two lines with serialized
  // request and response objects); no hook at all when info is off.
  if (deps.logger.isLevelEnabled('info')) {
    app.addHook('onResponse', async (req, reply) => {
      req.log.info({ method: req.method, url: req.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10, tenantId: req.tenantId || undefined }, 'request');
    });
  }
  // the hook for the /v1/events stream (its own issue): it watches its key or session id (and a session's user id) here and closes when told
  const credentialEnds = new CredentialEnds();
  app.decorate('credentialEnds', credentialEnds);
  const keyCache = new ApiKeyCache(c.API_KEY_CACHE_TTL_MS, undefined, credentialEnds);
  const sessionCache = new ApiKeyCache<LiveSession>(c.API_KEY_CACHE_TTL_MS, undefined, credentialEnds);
  const hasher = new PasswordHasher(c.PASSWORD_SCRYPT_LOG_N);
  const tenants = new TenantService(deps.db, keyCache, hasher, deps.relay);
  const audit = new AuditService(deps.db);
  const sessions = new SessionService(deps.db, sessionCache, hasher, audit, { idleMinutes: c.SESSION_IDLE_MINUTES, maxHours: c.SESSION_MAX_HOURS });
  const users = new UserService(deps.db, hasher, sessionCache, keyCache);
  if (c.API_KEY_CACHE_TTL_MS > 0) {
    const listener = new ApiKeyListener(c.DATABASE_URL, keyCache, deps.logger, sessionCache, credentialEnds);
    listener.start();
    app.addHook('onClose', async () => listener.close());
  }
  await systemAuditConsumer(deps.bus, audit);
  await storageResponders(deps.bus, tenants);
  const upstreams = createUpstreams(c);
  app.addHook('onClose', async () => closeUpstreams(upstreams));

  const origins = c.CORS_ORIGINS.split(',').map((o) => o.trim()).filter(Boolean);
  await app.register(cors, {
    origin: origins.includes('*') ? '*' : origins,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['Authorization', 'X-API-Key', 'Content-Type', 'Idempotency-Key', 'X-Request-Id', 'Range', 'X-CSRF-Token'],
    exposedHeaders: ['X-Request-Id', 'Location', 'Retry-After', 'RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset', 'Content-Disposition', 'Idempotent-Replayed'],
    maxAge: 600,
  });

  const document = buildOpenApi(publicRoutes, { version: '1' });
  await app.register(swagger, { mode: 'static', specification: { document: document as any } });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  await app.register(consoleRoutes);

  await app.register(async (v1) => {
    v1.addHook(
      'onRequest',
      authHook({
        tenants,
        adminToken: c.ADMIN_TOKEN,
        perKey: new FixedWindows(c.RATE_LIMIT_PER_SECOND, 1000),
        failures: new FixedWindows(c.AUTH_FAILURES_PER_WINDOW, c.AUTH_FAILURE_WINDOW_SECONDS * 1000),
        sessions,
        routes: new RouteTable(),
        audit,
        publicLimits: { perValue: new FixedWindows(c.SMS_CALLBACK_RATE_PER_TOKEN, 1000), perAddress: new FixedWindows(c.SMS_CALLBACK_RATE_PER_ADDRESS, 1000) },
      }),
    );
    v1.addHook('onResponse', settleAudit(audit));
    // One Idempotency-Key store for proxied and admin POSTs; an in-flight record outliving any upstream answer is a dead replica's.
    const idempotency = {
      db: deps.db,
      waitMs: c.IDEMPOTENCY_WAIT_MS,
      staleMs: c.UPSTREAM_TIMEOUT_MS + 60_000,
      sealer: c.ADMIN_TOKEN === undefined ? undefined : new BodySealer(c.ADMIN_TOKEN),
    };
    adminRoutes(v1 as App, tenants, audit, { bodyLimit: c.GATEWAY_BODY_LIMIT_BYTES, idempotency });
    accessRoutes(v1 as App, { sessions, users, tenants, audit }, { bodyLimit: c.GATEWAY_BODY_LIMIT_BYTES, idempotency });
    await v1.register(proxyRoutes, { upstreams, internalToken: c.INTERNAL_TOKEN, bodyLimit: c.GATEWAY_BODY_LIMIT_BYTES, idempotency, maxStreams: c.GATEWAY_MAX_STREAMS });
  });

  // Expired idempotency records, sessions and audit events, once per PURGE_EVERY_MS; each purge on its own (one failing never skips the others).
  const purge = new WorkLoop({
    name: 'gateway purge',
    logger: deps.logger,
    intervalMs: PURGE_EVERY_MS,
    firstTurnMs: PURGE_EVERY_MS,
    turn: async () => {
      const jobs: [string, () => Promise<unknown>][] = [
        ['idempotency', () => idempotencyRepository.purgeExpired(deps.db.manager)],
        ['session', () => sessions.purge()],
        ['audit', () => audit.purge(c.AUDIT_RETENTION_DAYS)],
      ];
      for (const [what, job] of jobs) await job().catch((err: unknown) => deps.logger.warn({ err }, `${what} purge failed`));
    },
  });
  purge.start();
  app.addHook('onClose', () => purge.stop());

  // Not `await app.ready()` here, unlike the services: with encapsulated plugins (the /v1 scope,
  // swagger-ui) fastify marks itself started a few ticks after ready, and runService's later
  // `addHook('onClose')` would then throw. listen() (or the first inject) readies it.
  return app;
}
