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
import { DialingPolicy1765500000000 } from './data/migrations/1765500000000-DialingPolicy';
import { CapsAndLimits1765600000000 } from './data/migrations/1765600000000-CapsAndLimits';
import { CallDetails1766800000000 } from './data/migrations/1766800000000-CallDetails';
import { CarrierDialog1766810000000 } from './data/migrations/1766810000000-CarrierDialog';
import { DncChanges1766900000000 } from './data/migrations/1766900000000-DncChanges';
import { ContactPolicyRepository } from './data/contact-policy.repository';
import { ContactPolicy } from './usecases/contact-policy';
import { TENANT_LIMITS_QUEUE, tenantLimitsConsumer } from './messaging/tenant-limits.consumer';
import { tenantLimitsHandler } from './usecases/tenant-limits';
import { PhoneNormalizer } from '@autocall/phone';
import { CalendarRepository } from './data/calendar.repository';
import { DncRepository } from './data/dnc.repository';
import { policyHttpRoutes } from './http/policy.routes';
import { dncResponders } from './messaging/dnc.rpc';
import { TenantCalendar } from './usecases/calendar';
import { DncList } from './usecases/dnc';
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
export const dialerMigrations = [Init1765000000000, SnapshotAt1765100000000, NotPlaced1765200000000, NotPlacedFailed1765300000000, ControlGeneration1765400000000, DialingPolicy1765500000000, CapsAndLimits1765600000000, CallDetails1766800000000, CarrierDialog1766810000000, DncChanges1766900000000];

export interface DialerDeps extends ServiceDeps<DialerConfig> {
  /** A carrier built by the caller (tests); otherwise CARRIER decides. */
  carrier?: Carrier;
  /** The clock the dialing policy reads (calling window, blackouts); tests inject one. Default: the system clock. */
  clock?: () => Date;
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
  const clock = deps.clock ?? (() => new Date());
  const tasks = new TaskRepository(db, clock);
  const attempts = new AttemptRepository(db, clock);
  const carrier = deps.carrier ?? createCarrier(config, db, logger);
  const recordings = new RecordingClient(config.RECORDING_URL, config.INTERNAL_TOKEN);
  const dncRepository = new DncRepository(db);
  const engine = new DialerEngine(
    { attempts, tasks, dnc: dncRepository, carrier, bus, nudgeOutbox: () => relay.nudge(), loadUlaw: (tenant, id) => recordings.loadUlaw(tenant, id), logger },
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
  const phones = new PhoneNormalizer({ defaultRegion: config.DNC_DEFAULT_REGION, allowedRegions: config.DNC_ALLOWED_REGIONS.split(',') });
  const dnc = new DncList(dncRepository, phones, phones.defaultCountryCode, {
    maxUncompressedBytes: config.DNC_IMPORT_MAX_UNCOMPRESSED_BYTES,
    maxRatio: config.DNC_IMPORT_MAX_COMPRESSION_RATIO,
    maxExpandedBytes: config.DNC_IMPORT_MAX_EXPANDED_BYTES,
    maxRows: 1_048_575,
  });
  policyHttpRoutes(app, dnc, new TenantCalendar(new CalendarRepository(db)), new ContactPolicy(new ContactPolicyRepository(db), () => relay.nudge()), { maxImportBytes: config.DNC_IMPORT_MAX_BYTES });
  await dncResponders(bus, dnc);
  await dialerResponders(bus, new TaskControl(tasks, engine, () => relay.nudge()));
  await taskEventsConsumer(bus, new TaskSnapshots(db, tasks, engine));
  await smsEventsConsumer(bus, smsStatusHandler(db, attempts, SMS_EVENTS_QUEUE));
  await tenantLimitsConsumer(bus, tenantLimitsHandler(db, TENANT_LIMITS_QUEUE, () => engine.nudge()));
  app.addHook('onClose', async () => {
    await engine.stop();
    await carrier.close();
  });
  await app.ready();
  engine.start();
  return app;
}
