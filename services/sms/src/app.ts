import { Counter, Gauge } from 'prom-client';
import { TenantLimitsCopy, type ParkOptions } from '@autocall/bus';
import { ConfigError } from '@autocall/config';
import { createServer, type App } from '@autocall/http';
import { readiness, type ServiceDeps } from '@autocall/service';
import type { SmsConfig } from './config';
import { HttpProvider } from './adapters/http-provider';
import { SimulatedProvider } from './adapters/simulated-provider';
import { AccountService } from './usecases/account.service';
import { FollowUpService } from './usecases/follow-up.service';
import { SmsSender, sendTimeoutMs } from './usecases/sms-sender';
import { TemplateService } from './usecases/template.service';
import { accountRoutes } from './http/account.routes';
import { adminRoutes } from './http/admin.routes';
import { messageRoutes } from './http/message.routes';
import { templateRoutes } from './http/template.routes';
import { callCompletedConsumer, callCompletedQueue } from './messaging/call-completed.consumer';
import { taskConsumer, taskQueue } from './messaging/task.consumer';
import { templateResponders } from './messaging/template.rpc';
import { Init1764000000000 } from './data/migrations/1764000000000-Init';
import { FollowUp1765000000000 } from './data/migrations/1765000000000-FollowUp';
import { SendFencing1766000000000 } from './data/migrations/1766000000000-SendFencing';
import { SmsCaps1767000000000 } from './data/migrations/1767000000000-SmsCaps';
import { capsConsumer } from './messaging/caps.consumer';
import { capsRepository } from './data/caps.repository';
import { WorkLoop } from '@autocall/work-loop';
import { PhoneNormalizer } from '@autocall/phone';
import { TwoWay1768000000000 } from './data/migrations/1768000000000-TwoWay';
import { ReceiptService } from './usecases/receipt.service';
import { InboundService } from './usecases/inbound.service';
import { callbackRoutes } from './http/callback.routes';
import { inboundRoutes } from './http/inbound.routes';
import { DncCopy1769000000000 } from './data/migrations/1769000000000-DncCopy';
import { dncConsumer } from './messaging/dnc.consumer';
import { dncChangedHandler } from './usecases/dnc-copy';

export const SMS_SCHEMA = 'sms';
export const smsMigrations = [Init1764000000000, FollowUp1765000000000, SendFencing1766000000000, SmsCaps1767000000000, TwoWay1768000000000, DncCopy1769000000000];

/** Wires the sms service: routes, RPC responders, consumers and the sender loop. Never listens. */
export async function buildApp(deps: ServiceDeps<SmsConfig>): Promise<App> {
  const { config, db, bus, relay, logger } = deps;
  // a parked call result can come back up to SMS_MAX_DELAY_HOURS after its call: its inbox row must still be there
  if (config.INBOX_RETENTION_HOURS <= config.SMS_MAX_DELAY_HOURS) {
    throw new ConfigError([`INBOX_RETENTION_HOURS (${config.INBOX_RETENTION_HOURS}) must be above SMS_MAX_DELAY_HOURS (${config.SMS_MAX_DELAY_HOURS})`]);
  }
  const app = createServer({ name: 'sms', logger, internalToken: config.INTERNAL_TOKEN, readiness: readiness(deps) });
  const templates = new TemplateService(db, relay, config.SMS_TEMPLATE_APPROVAL);
  // a send never outlives its lease: the provider timeout is at most a third of it (sendTimeoutMs)
  const maxTimeoutMs = sendTimeoutMs(config.SMS_SEND_LEASE_MS);
  const accounts = new AccountService(db, config.SMS_PROVIDER_ALLOW_PRIVATE, maxTimeoutMs, config.PUBLIC_BASE_URL);
  const providers = {
    simulated: new SimulatedProvider(db, config.SMS_SIM_SEND_MS),
    http: new HttpProvider({ allowPrivate: config.SMS_PROVIDER_ALLOW_PRIVATE, defaultTimeoutMs: config.SMS_HTTP_TIMEOUT_MS, maxTimeoutMs }),
  };
  const sender = new SmsSender(db, relay, providers, logger.child({ component: 'sms-sender' }), {
    intervalMs: config.SMS_SENDER_INTERVAL_MS,
    concurrency: config.SMS_SEND_CONCURRENCY,
    maxAttempts: config.SMS_SEND_MAX_ATTEMPTS,
    retryBaseMs: config.SMS_SEND_RETRY_BASE_MS,
    leaseMs: config.SMS_SEND_LEASE_MS,
    inDoubtMs: config.SMS_SEND_IN_DOUBT_MS,
    maxDelayMs: config.SMS_MAX_DELAY_HOURS * 3_600_000,
  });
  const followUps = new FollowUpService(db, relay, logger.child({ component: 'follow-up' }), () => sender.nudge(), config.SMS_MAX_DELAY_HOURS * 3_600_000, config.PLATFORM_TIMEZONE);
  const parkedTotal = new Counter({ name: 'sms_messages_parked_total', help: 'Times a call.completed or task event was parked to wait for its next try', labelNames: ['queue'], registers: [app.metrics] });
  const queues = [callCompletedQueue(config.SMS_QUEUE_PREFIX), taskQueue(config.SMS_QUEUE_PREFIX)];
  new Gauge({
    name: 'sms_messages_parked',
    help: 'call.completed and task events parked now, waiting for their next try (database down, task snapshot late)',
    labelNames: ['queue'],
    registers: [app.metrics],
    async collect() {
      for (const queue of queues) {
        const n = await bus.parkedCount(queue).catch(() => undefined);
        if (n !== undefined) this.set({ queue }, n);
      }
    },
  });
  const park = (queue: string): ParkOptions => ({
    baseMs: config.SMS_CONSUMER_PARK_BASE_MS,
    maxMs: config.SMS_CONSUMER_PARK_MAX_MS,
    onPark: () => parkedTotal.inc({ queue }),
  });
  const receipts = new ReceiptService(db, relay, logger.child({ component: 'receipts' }));
  const phones = new PhoneNormalizer({ defaultRegion: config.SMS_DEFAULT_REGION, allowedRegions: [config.SMS_DEFAULT_REGION] });
  const inbound = new InboundService(db, relay, bus, phones, logger.child({ component: 'inbound' }), {
    matchDays: config.SMS_REPLY_MATCH_DAYS,
    maxDelayMs: config.SMS_MAX_DELAY_HOURS * 3_600_000,
    onQueued: () => sender.nudge(),
    platformZone: config.PLATFORM_TIMEZONE,
  });
  callbackRoutes(app, accounts, receipts, inbound);
  inboundRoutes(app, accounts, inbound);
  templateRoutes(app, templates);
  accountRoutes(app, accounts);
  adminRoutes(app, templates);
  messageRoutes(app, followUps);
  await templateResponders(bus, templates, accounts);
  await dncConsumer(bus, dncChangedHandler(db), { queuePrefix: config.SMS_QUEUE_PREFIX });
  await capsConsumer(bus, followUps, new TenantLimitsCopy(db), { queuePrefix: config.SMS_QUEUE_PREFIX });
  await taskConsumer(bus, followUps, { queuePrefix: config.SMS_QUEUE_PREFIX, maxRetries: config.SMS_CONSUMER_MAX_RETRIES, retryBaseMs: config.SMS_CONSUMER_RETRY_BASE_MS, park: park(queues[1]) });
  await callCompletedConsumer(bus, followUps, {
    queuePrefix: config.SMS_QUEUE_PREFIX,
    prefetch: config.SMS_CONSUMER_PREFETCH,
    maxBatch: config.SMS_CONSUMER_BATCH,
    maxRetries: config.SMS_CONSUMER_MAX_RETRIES,
    retryBaseMs: config.SMS_CONSUMER_RETRY_BASE_MS,
    park: park(queues[0]),
  });
  sender.start();
  const simulatedReceipts = receipts.simulatedReceipts(config.SMS_SIM_DLR_MS);
  simulatedReceipts.start();
  const optOuts = inbound.dncWorker(config.SMS_INBOUND_INTERVAL_MS);
  optOuts.start();
  // the caps' counters of days long past, hourly (replicas may prune at once: a plain DELETE)
  const pruneCounts = new WorkLoop({ name: 'sms cap counters prune', logger, intervalMs: 3_600_000, firstTurnMs: 60_000, turn: () => capsRepository.prune(db.manager) });
  pruneCounts.start();
  app.addHook('onClose', async () => {
    await pruneCounts.stop();
    await simulatedReceipts.stop();
    await optOuts.stop();
    await sender.stop();
    await providers.http.close();
  });
  await app.ready();
  return app;
}
