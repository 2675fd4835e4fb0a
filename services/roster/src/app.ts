import { createServer, type App } from '@autocall/http';
import { readiness, type ServiceDeps } from '@autocall/service';
import type { RosterConfig } from './config';
import { Init1764100000000 } from './data/migrations/1764100000000-Init';
import { UploadParts1764200000000 } from './data/migrations/1764200000000-UploadParts';
import { TenantStorage1764300000000 } from './data/migrations/1764300000000-TenantStorage';
import { TenantLimitsCopy, TenantStorage } from '@autocall/bus';
import { ImportWorker } from './usecases/import-worker';
import { buildTemplate, RosterService } from './usecases/roster.service';
import { rosterHttpRoutes } from './http/roster.routes';
import { rosterResponders } from './messaging/roster.rpc';

export const ROSTER_SCHEMA = 'roster';
export const rosterMigrations = [Init1764100000000, UploadParts1764200000000, TenantStorage1764300000000];

declare module 'fastify' {
  interface FastifyInstance {
    /** The replica's import worker (tests stop or "crash" it). */
    rosterImports: ImportWorker;
  }
}

/** Runs f on the first call only; a failure is not kept (the next call tries again). */
const once = <T>(f: () => Promise<T>): (() => Promise<T>) => {
  let p: Promise<T> | undefined;
  return () => (p ??= f().catch((err: unknown) => {
    p = undefined;
    throw err;
  }));
};

/** Wires the roster service: routes, RPC responders, the import worker. Never listens. */
export async function buildApp(deps: ServiceDeps<RosterConfig>): Promise<App> {
  const c = deps.config;
  const app = createServer({ name: 'roster', logger: deps.logger, internalToken: c.INTERNAL_TOKEN, readiness: readiness(deps) });
  const worker = new ImportWorker(deps.db, deps.relay, deps.logger.child({ component: 'roster-import' }), {
    leaseMs: c.ROSTER_IMPORT_LEASE_MS,
    pollMs: c.ROSTER_IMPORT_POLL_MS,
    maxAttempts: c.ROSTER_IMPORT_MAX_ATTEMPTS,
    maxRows: c.ROSTER_MAX_ROWS,
    maxColumns: c.ROSTER_MAX_COLUMNS,
    maxExpandedBytes: c.ROSTER_MAX_EXPANDED_BYTES,
    maxUncompressedBytes: c.ROSTER_MAX_UNCOMPRESSED_BYTES,
    maxRatio: c.ROSTER_MAX_COMPRESSION_RATIO,
    copySegmentRows: c.ROSTER_IMPORT_COPY_ROWS,
    defaultRegion: c.ROSTER_DEFAULT_REGION,
    allowedRegions: c.ROSTER_ALLOWED_REGIONS.split(','),
    threadHeapMb: c.ROSTER_IMPORT_THREAD_HEAP_MB,
  });
  const limits = new TenantLimitsCopy(deps.db);
  const storage = new TenantStorage(limits, deps.bus, deps.logger.child({ component: 'tenant-storage' }));
  const rosters = new RosterService(
    deps.db,
    deps.relay,
    { maxUncompressedBytes: c.ROSTER_MAX_UNCOMPRESSED_BYTES, maxRatio: c.ROSTER_MAX_COMPRESSION_RATIO },
    (id, bytes) => worker.offer(id, bytes),
    storage,
  );
  await limits.subscribe(deps.bus, 'roster.tenant-limits', storage.backfillOnLimit({ list: (t) => rosters.stored(t), exists: (t, key) => rosters.storedExists(t, key) }));
  rosterHttpRoutes(app, rosters, { maxBytes: c.ROSTER_MAX_BYTES, waitTimeoutMs: c.ROSTER_WAIT_TIMEOUT_MS, template: once(buildTemplate) });
  await rosterResponders(deps.bus, rosters);
  app.decorate('rosterImports', worker);
  app.addHook('onReady', async () => worker.start());
  app.addHook('onClose', async () => worker.stop());
  await app.ready();
  return app;
}
