import { Counter, Gauge } from 'prom-client';
import { ConfigError } from '@autocall/config';
import { createServer, type App } from '@autocall/http';
import { readiness, type ServiceDeps } from '@autocall/service';
import type { EventsConfig } from './config';
import { HttpWebhookSender } from './adapters/webhook-sender';
import { parseSchedule, type WebhookSender } from './domain/delivery';
import { DeliveryWorker } from './usecases/delivery-worker';
import { EventStreams } from './usecases/event-streams';
import { EventIntake } from './usecases/intake';
import { Retention } from './usecases/retention';
import { WebhookService } from './usecases/webhook.service';
import { streamRoutes } from './http/stream.routes';
import { webhookRoutes } from './http/webhook.routes';
import { publicEventsConsumer } from './messaging/public-events.consumer';
import { Init1767000000000 } from './data/migrations/1767000000000-Init';
import { TenantInFlight1767100000000 } from './data/migrations/1767100000000-TenantInFlight';

export const EVENTS_SCHEMA = 'events';
export const eventsMigrations = [Init1767000000000, TenantInFlight1767100000000];

/** What a test may replace: how URLs' hosts resolve when they are checked. */
export interface EventsSeams {
  resolve?: (host: string) => Promise<string[]>;
  sender?: WebhookSender;
}

/** Wires the events service: webhook and stream routes, the public-events consumer, the delivery worker, the stream's listener and the retention loop. Never listens. */
export async function buildApp(deps: ServiceDeps<EventsConfig>, seams: EventsSeams = {}): Promise<App> {
  const { config, db, bus, relay, logger } = deps;
  if (config.WEBHOOK_LEASE_MS < 3 * config.WEBHOOK_TIMEOUT_MS) {
    throw new ConfigError([`WEBHOOK_LEASE_MS (${config.WEBHOOK_LEASE_MS}) must be at least 3 × WEBHOOK_TIMEOUT_MS (${config.WEBHOOK_TIMEOUT_MS}): a delivery is never sent twice at once`]);
  }
  const app = createServer({ name: 'events', logger, internalToken: config.INTERNAL_TOKEN, readiness: readiness(deps) });
  const attempts = new Counter({ name: 'webhook_delivery_attempts_total', help: 'Webhook delivery attempts by result', labelNames: ['result'] as const, registers: [app.metrics] });
  const sender = seams.sender ?? new HttpWebhookSender({ allowPrivate: config.WEBHOOK_ALLOW_PRIVATE, timeoutMs: config.WEBHOOK_TIMEOUT_MS, maxResponseBytes: config.WEBHOOK_MAX_RESPONSE_BYTES });
  const worker = new DeliveryWorker(db, relay, sender, logger.child({ component: 'delivery' }), {
    concurrency: config.WEBHOOK_CONCURRENCY,
    perEndpoint: config.WEBHOOK_ENDPOINT_CONCURRENCY,
    perTenant: config.WEBHOOK_TENANT_CONCURRENCY,
    leaseMs: config.WEBHOOK_LEASE_MS,
    pollMs: config.WEBHOOK_POLL_MS,
    schedule: parseSchedule(config.WEBHOOK_RETRY_SCHEDULE),
    disableAfterMs: config.WEBHOOK_DISABLE_AFTER_HOURS * 3_600_000,
    attempts,
  });
  const streams = new EventStreams(db, bus, logger.child({ component: 'stream' }), {
    replayMinutes: config.EVENTS_REPLAY_MINUTES,
    heartbeatMs: config.EVENTS_HEARTBEAT_MS,
    progressMinMs: config.EVENTS_PROGRESS_MIN_MS,
    pollMs: config.EVENTS_STREAM_POLL_MS,
    maxBufferBytes: config.EVENTS_STREAM_MAX_BUFFER_BYTES,
  });
  const webhooks = new WebhookService(
    db,
    { allowPrivate: config.WEBHOOK_ALLOW_PRIVATE, maxEndpoints: config.WEBHOOK_MAX_ENDPOINTS, secretGraceHours: config.WEBHOOK_SECRET_GRACE_HOURS, resolve: seams.resolve },
    () => worker.nudge(),
    (events) => streams.announce(events),
  );
  const intake = new EventIntake(db, logger.child({ component: 'intake' }), () => worker.nudge(), (events) => streams.announce(events));
  const retention = new Retention(db, logger.child({ component: 'retention' }), {
    everyMs: config.EVENTS_PRUNE_EVERY_MS,
    eventHours: config.EVENTS_RETENTION_HOURS,
    deliveryDays: config.WEBHOOK_DELIVERY_RETENTION_DAYS,
  });
  new Gauge({ name: 'events_stream_clients', help: 'Open event stream clients on this replica', registers: [app.metrics], collect() { this.set(streams.clients); } });
  webhookRoutes(app, webhooks);
  streamRoutes(app, streams);
  await streams.listen();
  await publicEventsConsumer(bus, intake, { queuePrefix: config.EVENTS_QUEUE_PREFIX });
  // open streams end first: fastify's close waits for their connections
  app.addHook('preClose', async () => streams.stop());
  app.addHook('onClose', async () => {
    await worker.stop();
    await retention.stop();
    await sender.close();
  });
  await app.ready();
  worker.start();
  retention.start();
  streams.start();
  return app;
}
