import { createServer, type App } from '@autocall/http';
import { readiness, type ServiceDeps } from '@autocall/service';
import { createCarrier } from './adapters/carrier-factory';
import { RecordingClient } from './adapters/recording-client';
import type { DialerConfig } from './config';
import { AttemptRepository } from './data/attempt.repository';
import { Init1765000000000 } from './data/migrations/1765000000000-Init';
import { SnapshotAt1765100000000 } from './data/migrations/1765100000000-SnapshotAt';
import { NotPlaced1765200000000 } from './data/migrations/1765200000000-NotPlaced';
import { NotPlacedFailed1765300000000 } from './data/migrations/1765300000000-NotPlacedFailed';
import { ControlGeneration1765400000000 } from './data/migrations/1765400000000-ControlGeneration';
import { TaskRepository } from './data/task.repository';
import { DialerEngine } from './usecases/dialer';
import { callsRoutes } from './http/calls.routes';
import { dialerResponders } from './messaging/dialer.rpc';
import { SMS_EVENTS_QUEUE, smsEventsConsumer } from './messaging/sms-events.consumer';
import { taskEventsConsumer } from './messaging/task-events.consumer';
import type { Carrier } from './domain/carrier';
import { TaskCalls } from './usecases/calls';
import { smsStatusHandler } from './usecases/sms-status';
import { TaskControl } from './usecases/task-control';
import { TaskSnapshots } from './usecases/task-snapshots';

export const DIALER_SCHEMA = 'dialer';
export const dialerMigrations = [Init1765000000000, SnapshotAt1765100000000, NotPlaced1765200000000, NotPlacedFailed1765300000000, ControlGeneration1765400000000];

export interface DialerDeps extends ServiceDeps<DialerConfig> {
  /** A carrier built by the caller (tests); otherwise CARRIER decides. */
  carrier?: Carrier;
}

declare module 'fastify' {
  interface FastifyInstance {
    dialer: DialerEngine;
  }
}

/** Wires the dialer: calls routes, hold/release/cancel responders, task and SMS consumers, the dialing loop. Never listens. */
export async function buildApp(deps: DialerDeps): Promise<App> {
  const { config, db, bus, relay, logger } = deps;
  const app = createServer({ name: 'dialer', logger, internalToken: config.INTERNAL_TOKEN, readiness: readiness(deps) });
  const tasks = new TaskRepository(db);
  const attempts = new AttemptRepository(db);
  const carrier = deps.carrier ?? createCarrier(config, db, logger);
  const recordings = new RecordingClient(config.RECORDING_URL, config.INTERNAL_TOKEN);
  const engine = new DialerEngine(
    { attempts, tasks, carrier, bus, nudgeOutbox: () => relay.nudge(), loadUlaw: (tenant, id) => recordings.loadUlaw(tenant, id), logger },
    {
      me: config.DIALER_ID,
      leaseMs: config.DIALER_LEASE_MS,
      tickMs: config.DIALER_TICK_MS,
      claimBatch: config.DIALER_CLAIM_BATCH,
      sweepMs: config.DIALER_SWEEP_MS,
      rosterPageSize: config.DIALER_ROSTER_PAGE_SIZE,
      rosterTimeoutMs: config.DIALER_ROSTER_RPC_TIMEOUT_MS,
      notPlacedBackoffMs: config.DIALER_NOT_PLACED_BACKOFF_MS,
      notPlacedMaxMs: config.DIALER_NOT_PLACED_MAX_BACKOFF_MS,
      notPlacedMaxTries: config.DIALER_NOT_PLACED_MAX_TRIES,
    },
  );
  app.decorate('dialer', engine);
  callsRoutes(app, new TaskCalls(tasks, attempts, bus));
  await dialerResponders(bus, new TaskControl(tasks, engine, () => relay.nudge()));
  await taskEventsConsumer(bus, new TaskSnapshots(db, tasks, engine));
  await smsEventsConsumer(bus, smsStatusHandler(db, attempts, SMS_EVENTS_QUEUE));
  app.addHook('onClose', async () => {
    await engine.stop();
    await carrier.close();
  });
  await app.ready();
  engine.start();
  return app;
}
