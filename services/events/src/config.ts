import { configSchema, Type } from '@autocall/config';

export const eventsConfigSchema = configSchema({
  /** HTTP port of the events service (internal). */
  EVENTS_PORT: Type.Integer({ default: 3006 }),
  /** Prefix of this service's queue (`<prefix>.public`); replicas share it. */
  EVENTS_QUEUE_PREFIX: Type.String({ default: 'events', pattern: '^[A-Za-z0-9._-]{1,100}$' }),
  /** Hours a stored event is kept (for the stream's replay and the deliveries made from it) before it is pruned. */
  EVENTS_RETENTION_HOURS: Type.Number({ exclusiveMinimum: 0, default: 72 }),
  /** How often stored events and old deliveries are pruned, in ms. */
  EVENTS_PRUNE_EVERY_MS: Type.Integer({ minimum: 100, default: 600_000 }),
  /** How far back `Last-Event-ID` may reach on the stream, in minutes; an older or unknown id: the stream starts now and says so. */
  EVENTS_REPLAY_MINUTES: Type.Number({ exclusiveMinimum: 0, default: 60 }),
  /** A comment line on every open stream this often, in ms (keeps proxies from closing it). */
  EVENTS_HEARTBEAT_MS: Type.Integer({ minimum: 10, default: 15_000 }),
  /** `task.progress` of one task reaches a stream client at most once per this many ms (the latest wins). */
  EVENTS_PROGRESS_MIN_MS: Type.Integer({ minimum: 0, default: 500 }),
  /** How often a replica looks for events no announcement told it of (one lost, or sent while its broker connection was down), in ms. */
  EVENTS_STREAM_POLL_MS: Type.Integer({ minimum: 10, default: 1000 }),
  /** A stream client that leaves more than this many bytes unread is dropped, not buffered without limit. */
  EVENTS_STREAM_MAX_BUFFER_BYTES: Type.Integer({ minimum: 1024, default: 1_048_576 }),
  /** Allow webhook URLs on private, loopback or link-local addresses (tests, receivers inside the deployment). */
  WEBHOOK_ALLOW_PRIVATE: Type.Boolean({ default: false }),
  /** Most webhook endpoints per tenant; one more answers 422 WEBHOOK_LIMIT. */
  WEBHOOK_MAX_ENDPOINTS: Type.Integer({ minimum: 1, maximum: 1000, default: 20 }),
  /** How long a receiver has to answer a delivery (headers and body), in ms. */
  WEBHOOK_TIMEOUT_MS: Type.Integer({ minimum: 10, maximum: 60_000, default: 10_000 }),
  /** Waits before each retry of a failed delivery (s, m, h or ms units), comma-separated; after the last the delivery is `failed`. */
  WEBHOOK_RETRY_SCHEDULE: Type.String({ default: '5s,5m,30m,2h,5h,10h,10h', pattern: '^\\s*\\d+(ms|s|m|h)(\\s*,\\s*\\d+(ms|s|m|h))*\\s*$' }),
  /** An endpoint whose deliveries have all failed for this many hours is disabled (5 days). */
  WEBHOOK_DISABLE_AFTER_HOURS: Type.Number({ exclusiveMinimum: 0, default: 120 }),
  /** Hours after a rotation during which deliveries are also signed with the previous secret. */
  WEBHOOK_SECRET_GRACE_HOURS: Type.Number({ minimum: 0, default: 24 }),
  /** Deliveries one replica sends at the same time. */
  WEBHOOK_CONCURRENCY: Type.Integer({ minimum: 1, maximum: 2000, default: 64 }),
  /** Deliveries in flight to one endpoint at once, across every replica: a slow receiver holds at most this many workers. */
  WEBHOOK_ENDPOINT_CONCURRENCY: Type.Integer({ minimum: 1, maximum: 200, default: 4 }),
  /** Deliveries in flight for one tenant at once, across every replica: one tenant's slow receivers (up to WEBHOOK_MAX_ENDPOINTS of them) never hold every worker. */
  WEBHOOK_TENANT_CONCURRENCY: Type.Integer({ minimum: 1, maximum: 2000, default: 32 }),
  /** A claimed delivery is another replica's again after this many ms (a replica that died mid-send); at least 3 × WEBHOOK_TIMEOUT_MS. */
  WEBHOOK_LEASE_MS: Type.Integer({ minimum: 100, default: 60_000 }),
  /** How often a replica looks for due deliveries when nothing nudged it, in ms. */
  WEBHOOK_POLL_MS: Type.Integer({ minimum: 10, default: 500 }),
  /** The most of a receiver's answer read, in bytes; a longer answer is a failed attempt. */
  WEBHOOK_MAX_RESPONSE_BYTES: Type.Integer({ minimum: 0, default: 65_536 }),
  /** Delivered and failed deliveries are kept this many days, then pruned. */
  WEBHOOK_DELIVERY_RETENTION_DAYS: Type.Number({ exclusiveMinimum: 0, default: 30 }),
});
export type EventsConfig = import('@autocall/config').Static<typeof eventsConfigSchema>;
