import multipart from '@fastify/multipart';
import { createServer, type App } from '@autocall/http';
import { readiness, type ServiceDeps } from '@autocall/service';
import type { RecordingConfig } from './config';
import { RecordingService } from './usecases/recording.service';
import { internalRoutes, recordingHttpRoutes } from './http/recording.routes';
import { recordingResponders } from './messaging/recording.rpc';
import { Init1764100000000 } from './data/migrations/1764100000000-Init';
import { TenantStorage1764200000000 } from './data/migrations/1764200000000-TenantStorage';
import { TenantLimitsCopy, TenantStorage } from '@autocall/bus';

export const RECORDING_SCHEMA = 'recording';
export const recordingMigrations = [Init1764100000000, TenantStorage1764200000000];

/** Wires the recording service: multipart, routes, RPC responders. Never listens. */
export async function buildApp(deps: ServiceDeps<RecordingConfig>): Promise<App> {
  const app = createServer({ name: 'recording', logger: deps.logger, internalToken: deps.config.INTERNAL_TOKEN, readiness: readiness(deps) });
  // Explicit limits: one file of at most RECORDING_MAX_BYTES, and a name; anything more is refused
  // while streaming, before it is buffered.
  await app.register(multipart, {
    limits: { fileSize: deps.config.RECORDING_MAX_BYTES, files: 1, fields: 2, parts: 3, fieldSize: 1024, fieldNameSize: 100, headerPairs: 50 },
  });
  const limits = new TenantLimitsCopy(deps.db);
  const storage = new TenantStorage(limits, deps.bus, deps.logger.child({ component: 'tenant-storage' }));
  const recordings = new RecordingService(deps.db, deps.relay, { maxSeconds: deps.config.RECORDING_MAX_SECONDS }, storage);
  await limits.subscribe(deps.bus, 'recording.tenant-limits', storage.backfillOnLimit({ list: (t) => recordings.stored(t), exists: (t, key) => recordings.storedExists(t, key) }));
  recordingHttpRoutes(app, recordings, deps.config.RECORDING_MAX_BYTES);
  internalRoutes(app, recordings);
  await recordingResponders(deps.bus, recordings);
  await app.ready();
  return app;
}
