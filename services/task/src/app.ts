import { createServer, type App } from '@autocall/http';
import { readiness, type ServiceDeps } from '@autocall/service';
import type { TaskConfig } from './config';
import { Init1764100000000 } from './data/migrations/1764100000000-Init';
import { ControlGeneration1764200000000 } from './data/migrations/1764200000000-ControlGeneration';
import { ControlRepair1764300000000 } from './data/migrations/1764300000000-ControlRepair';
import { DialingPolicy1764400000000 } from './data/migrations/1764400000000-DialingPolicy';
import { TenantLimits1764500000000 } from './data/migrations/1764500000000-TenantLimits';
import { InvalidNumber1766800000000 } from './data/migrations/1766800000000-InvalidNumber';
import { calendarConsumer } from './messaging/calendar.consumer';
import { TenantLimitsCopy } from '@autocall/bus';
import { TenantCalendars } from './usecases/calendars';
import { rpcDependencies } from './adapters/rpc-dependencies';
import { ControlReconciler } from './usecases/control-reconciler';
import { ProgressService } from './usecases/progress.service';
import { Reservations } from './usecases/reservations';
import { Scheduler } from './usecases/scheduler';
import { TaskControl } from './usecases/task-control';
import { TaskService } from './usecases/task.service';
import { taskRoutes } from './http/task.routes';
import { progressConsumer } from './messaging/progress.consumer';
import { releaseConsumer } from './messaging/release.consumer';
import { taskResponders } from './messaging/task.rpc';

export const TASK_SCHEMA = 'task';
export const taskMigrations = [Init1764100000000, ControlGeneration1764200000000, ControlRepair1764300000000, DialingPolicy1764400000000, TenantLimits1764500000000, InvalidNumber1766800000000];

/** What a test may replace: the clock creates read (a dry run at 21:00 WIB without waiting for it). */
export interface TaskSeams {
  now?: () => Date;
}

/** Wires the task service: routes, RPC responder, consumers and the loops (scheduler, reservation clean-up, control reconciler). Never listens. */
export async function buildApp(deps: ServiceDeps<TaskConfig>, seams: TaskSeams = {}): Promise<App> {
  const { config } = deps;
  const app = createServer({ name: 'task', logger: deps.logger, internalToken: config.INTERNAL_TOKEN, readiness: readiness(deps) });
  const dependencies = rpcDependencies(deps.bus, config.TASK_RPC_TIMEOUT_MS);
  const control = new TaskControl(deps.db, deps.relay, dependencies, { rpcTimeoutMs: config.TASK_RPC_TIMEOUT_MS, replyGraceMs: config.TASK_CONTROL_REPLY_GRACE_MS });
  const reservations = new Reservations(deps.db, dependencies, deps.logger.child({ component: 'reservations' }), { rpcTimeoutMs: config.TASK_RPC_TIMEOUT_MS });
  const tasks = new TaskService(deps.db, deps.relay, dependencies, { timezone: config.PLATFORM_TIMEZONE, rpcTimeoutMs: config.TASK_RPC_TIMEOUT_MS, now: seams.now }, control, reservations);
  const reconciler = new ControlReconciler(deps.db, control, deps.logger.child({ component: 'control-reconciler' }), {
    tickMs: config.TASK_CONTROL_RECONCILE_MS,
    maxBackoffMs: config.TASK_CONTROL_RECONCILE_MAX_BACKOFF_MS,
  });
  const progress = new ProgressService(deps.db, deps.relay);
  taskRoutes(app, tasks);
  await taskResponders(deps.bus, tasks);
  await progressConsumer(deps.bus, progress);
  await releaseConsumer(deps.bus, reservations);
  await calendarConsumer(deps.bus, new TenantCalendars(deps.db));
  await new TenantLimitsCopy(deps.db).subscribe(deps.bus, 'task.tenant-limits');
  const scheduler = new Scheduler(deps.db, deps.relay, deps.logger.child({ component: 'scheduler' }), { tickMs: config.TASK_SCHEDULER_TICK_MS, batch: config.TASK_SCHEDULER_BATCH });
  app.addHook('onClose', async () => {
    await reconciler.stop();
    await scheduler.stop();
    await reservations.stop();
  });
  await app.ready();
  // Started here, not in an onReady hook: with one, fastify refuses runService's later addHook.
  // The clean-up of failed creations' reservations has always run beside the scheduler, so only
  // where it is enabled.
  if (config.TASK_SCHEDULER_ENABLED) {
    scheduler.start();
    reservations.start();
  }
  reconciler.start();
  return app;
}
