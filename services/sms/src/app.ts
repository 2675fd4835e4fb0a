import { createServer, type App } from '@autocall/http';
import { readiness, type ServiceDeps } from '@autocall/service';
import type { SmsConfig } from './config';
import { HttpProvider } from './adapters/http-provider';
import { SimulatedProvider } from './adapters/simulated-provider';
import { AccountService } from './domain/account.service';
import { FollowUpService } from './domain/follow-up.service';
import { SmsSender } from './domain/sms-sender';
import { TemplateService } from './domain/template.service';
import { accountRoutes } from './http/account.routes';
import { adminRoutes } from './http/admin.routes';
import { messageRoutes } from './http/message.routes';
import { templateRoutes } from './http/template.routes';
import { callCompletedConsumer } from './messaging/call-completed.consumer';
import { taskConsumer } from './messaging/task.consumer';
import { templateResponders } from './messaging/template.rpc';
import { Init1764000000000 } from './data/migrations/1764000000000-Init';
import { FollowUp1765000000000 } from './data/migrations/1765000000000-FollowUp';

export const SMS_SCHEMA = 'sms';
export const smsMigrations = [Init1764000000000, FollowUp1765000000000];

/** Wires the sms service: routes, RPC responders, consumers and the sender loop. Never listens. */
export async function buildApp(deps: ServiceDeps<SmsConfig>): Promise<App> {
  const { config, db, bus, relay, logger } = deps;
  const app = createServer({ name: 'sms', logger, internalToken: config.INTERNAL_TOKEN, readiness: readiness(deps) });
  const templates = new TemplateService(db, relay, config.SMS_TEMPLATE_APPROVAL);
  const accounts = new AccountService(db, config.SMS_PROVIDER_ALLOW_PRIVATE);
  const providers = {
    simulated: new SimulatedProvider(db, config.SMS_SIM_SEND_MS),
    http: new HttpProvider({ allowPrivate: config.SMS_PROVIDER_ALLOW_PRIVATE, defaultTimeoutMs: config.SMS_HTTP_TIMEOUT_MS, maxTimeoutMs: config.SMS_SEND_LEASE_MS - 1000 }),
  };
  const sender = new SmsSender(db, relay, providers, logger.child({ component: 'sms-sender' }), {
    intervalMs: config.SMS_SENDER_INTERVAL_MS,
    concurrency: config.SMS_SEND_CONCURRENCY,
    maxAttempts: config.SMS_SEND_MAX_ATTEMPTS,
    retryBaseMs: config.SMS_SEND_RETRY_BASE_MS,
    leaseMs: config.SMS_SEND_LEASE_MS,
  });
  const followUps = new FollowUpService(db, relay, logger.child({ component: 'follow-up' }), () => sender.nudge());
  templateRoutes(app, templates);
  accountRoutes(app, accounts);
  adminRoutes(app, templates);
  messageRoutes(app, followUps);
  await templateResponders(bus, templates, accounts);
  await taskConsumer(bus, followUps, config.SMS_QUEUE_PREFIX);
  await callCompletedConsumer(bus, followUps, {
    queuePrefix: config.SMS_QUEUE_PREFIX,
    prefetch: config.SMS_CONSUMER_PREFETCH,
    maxBatch: config.SMS_CONSUMER_BATCH,
    maxRetries: config.SMS_CONSUMER_MAX_RETRIES,
    retryBaseMs: config.SMS_CONSUMER_RETRY_BASE_MS,
  });
  sender.start();
  app.addHook('onClose', async () => {
    await sender.stop();
    await providers.http.close();
  });
  await app.ready();
  return app;
}
