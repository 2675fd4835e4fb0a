import { configSchema, Type } from '@autocall/config';

export const smsConfigSchema = configSchema({
  /** HTTP port of the sms service (internal). */
  SMS_PORT: Type.Integer({ default: 3004 }),
  /** auto: templates are approved on creation; manual: they wait for an admin. */
  SMS_TEMPLATE_APPROVAL: Type.Union([Type.Literal('auto'), Type.Literal('manual')], { default: 'auto' }),
  /** Allow an http provider URL on a private, loopback or link-local address (tests, on-prem gateways). */
  SMS_PROVIDER_ALLOW_PRIVATE: Type.Boolean({ default: false }),
  /** Prefix of this service's queues (`<prefix>.call-completed`, `<prefix>.tasks`); replicas share it, a test run uses its own. */
  SMS_QUEUE_PREFIX: Type.String({ default: 'sms', pattern: '^[A-Za-z0-9._-]{1,100}$' }),
  /** Unacknowledged call.completed messages in flight per replica (at least SMS_CONSUMER_BATCH is used). */
  SMS_CONSUMER_PREFETCH: Type.Integer({ minimum: 1, maximum: 5000, default: 1000 }),
  /** Most call.completed messages handled in one transaction. */
  SMS_CONSUMER_BATCH: Type.Integer({ minimum: 1, maximum: 2000, default: 500 }),
  /** Quick retries of a call.completed or task event that cannot be handled yet (database down, task snapshot not known) before it is parked. */
  SMS_CONSUMER_MAX_RETRIES: Type.Integer({ minimum: 0, maximum: 20, default: 8 }),
  /** First consumer retry delay in ms; doubles each retry (8 retries from 250 ms ≈ 64 s in all). */
  SMS_CONSUMER_RETRY_BASE_MS: Type.Integer({ minimum: 10, default: 250 }),
  /** After the quick retries a message is parked in the broker and tried again after this many ms, doubling each time; never dead-lettered. */
  SMS_CONSUMER_PARK_BASE_MS: Type.Integer({ minimum: 100, default: 30000 }),
  /** Longest wait between two tries of a parked message, in ms (15 minutes). */
  SMS_CONSUMER_PARK_MAX_MS: Type.Integer({ minimum: 100, default: 900000 }),
  /** A follow-up not sent within this many hours of its call's end is `skipped`, reason TOO_LATE (never sent); must be below INBOX_RETENTION_HOURS. */
  SMS_MAX_DELAY_HOURS: Type.Number({ exclusiveMinimum: 0, maximum: 720, default: 24 }),
  /** How often the sender looks for due messages when nothing nudged it, in ms. */
  SMS_SENDER_INTERVAL_MS: Type.Integer({ minimum: 10, default: 500 }),
  /** Messages one replica sends at the same time (claimed in batches of up to this many); also the most a crash can hand a provider twice. */
  SMS_SEND_CONCURRENCY: Type.Integer({ minimum: 1, maximum: 2000, default: 64 }),
  /** Provider attempts per message (retryable failures) before it becomes `failed`; 0: retried until SMS_MAX_DELAY_HOURS, then `skipped` TOO_LATE. */
  SMS_SEND_MAX_ATTEMPTS: Type.Integer({ minimum: 0, maximum: 50, default: 0 }),
  /** Delay before the second provider attempt in ms; doubles each attempt, capped at 10 minutes. */
  SMS_SEND_RETRY_BASE_MS: Type.Integer({ minimum: 0, default: 2000 }),
  /** A claimed message is another replica's again after this many ms (a crashed sender); provider timeouts are at most a third of it. */
  SMS_SEND_LEASE_MS: Type.Integer({ minimum: 1000, default: 60000 }),
  /** A claim whose lease lapsed unsettled (its sender crashed or lost the database) is not claimed again until this many ms after its lease (5 minutes). */
  SMS_SEND_IN_DOUBT_MS: Type.Integer({ minimum: 0, default: 300000 }),
  /** http provider timeout in ms when the account's settings.timeoutMs is not set (at most a third of SMS_SEND_LEASE_MS is used). */
  SMS_HTTP_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 60000, default: 10000 }),
  /** Time the simulated provider takes per message in ms (it records the message in `simulated_outbox`). */
  SMS_SIM_SEND_MS: Type.Integer({ minimum: 0, default: 10 }),
  /** The simulated provider reports a delivery receipt this many ms after a send (`undelivered` for numbers ending in 7). */
  SMS_SIM_DLR_MS: Type.Integer({ minimum: 0, default: 2000 }),
  /** The gateway's public address: accounts' callback URLs are `{PUBLIC_BASE_URL}/v1/sms-callbacks/{token}`. */
  PUBLIC_BASE_URL: Type.String({ default: 'http://127.0.0.1:8080', pattern: '^https?://[^\\s]+$' }),
  /** Region of an inbound `from` without a country code, as rosters read numbers. */
  SMS_DEFAULT_REGION: Type.String({ default: 'ID', pattern: '^[A-Z]{2}$' }),
  /** A reply belongs to the latest SMS its tenant sent to that number within this many days. */
  SMS_REPLY_MATCH_DAYS: Type.Number({ exclusiveMinimum: 0, maximum: 90, default: 7 }),
  /** How often the inbound worker looks for replies whose action (DNC, reply SMS) is still to do, in ms. */
  SMS_INBOUND_INTERVAL_MS: Type.Integer({ minimum: 10, default: 500 }),
});
export type SmsConfig = import('@autocall/config').Static<typeof smsConfigSchema>;
