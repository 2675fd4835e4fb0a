import { configSchema, Type } from '@autocall/config';

export const gatewayConfigSchema = configSchema({
  /** Public HTTP port of the gateway (the only port published). */
  GATEWAY_PORT: Type.Integer({ default: 8080, minimum: 0, maximum: 65535 }),
  /** Bearer token of the platform admin for /v1/admin/*; unset means every admin route answers 401. */
  ADMIN_TOKEN: Type.Optional(Type.String({ minLength: 16 })),
  /** Requests per second allowed per API key, per gateway replica; over it: 429. */
  RATE_LIMIT_PER_SECOND: Type.Integer({ default: 100, minimum: 1 }),
  /** Failed authentications (401) allowed per client address and window, per gateway replica; then 429 AUTH_RATE_LIMITED until the window ends for any credential that would need a database lookup (the admin token and cached keys still pass). */
  AUTH_FAILURES_PER_WINDOW: Type.Integer({ default: 20, minimum: 1 }),
  /** The window of AUTH_FAILURES_PER_WINDOW, in seconds. */
  AUTH_FAILURE_WINDOW_SECONDS: Type.Integer({ default: 60, minimum: 1 }),
  /** SMS provider callbacks (/v1/sms-callbacks/{token}/…) allowed per second per callback token, per gateway replica; over it: 429. */
  SMS_CALLBACK_RATE_PER_TOKEN: Type.Integer({ default: 2000, minimum: 1 }),
  /** SMS provider callbacks allowed per second per client address, per gateway replica; over it: 429. */
  SMS_CALLBACK_RATE_PER_ADDRESS: Type.Integer({ default: 5000, minimum: 1 }),
  /**
   * How long a replica may keep using a live API key without asking the database. Revocations reach
   * every replica at once over PostgreSQL LISTEN/NOTIFY; this bounds the case where a notification is
   * missed (a replica whose listener is down does not use the cache at all). 0 turns the cache off.
   */
  API_KEY_CACHE_TTL_MS: Type.Integer({ default: 5_000, minimum: 0 }),
  /**
   * Which proxies in front of the gateway are trusted to give the client address in X-Forwarded-For
   * (fastify's trustProxy: `true` for any, or comma-separated addresses/CIDRs of the load balancers).
   * Unset: the socket's address is the client's. Per-address limits need it behind a load balancer.
   */
  TRUST_PROXY: Type.Optional(Type.String()),
  /** A session ends after this many minutes without a request. */
  SESSION_IDLE_MINUTES: Type.Integer({ default: 720, minimum: 1 }),
  /** A session ends this many hours after its login, however busy. */
  SESSION_MAX_HOURS: Type.Integer({ default: 168, minimum: 1 }),
  /**
   * The cost of password hashing (scrypt, r = 8, p = 1): log2 of N. 17 takes 128 MiB and about a
   * quarter second of one core per hash (OWASP's recommendation); each step up doubles both. Hashes
   * keep their own cost, so changing it leaves existing passwords working.
   */
  PASSWORD_SCRYPT_LOG_N: Type.Integer({ default: 17, minimum: 14, maximum: 20 }),
  /** Audit events older than this many days are deleted. */
  AUDIT_RETENTION_DAYS: Type.Integer({ default: 365, minimum: 1 }),
  /** Base URL of the task service. */
  TASK_URL: Type.String({ default: 'http://127.0.0.1:3001' }),
  /** Base URL of the roster service. */
  ROSTER_URL: Type.String({ default: 'http://127.0.0.1:3002' }),
  /** Base URL of the recording service. */
  RECORDING_URL: Type.String({ default: 'http://127.0.0.1:3003' }),
  /** Base URL of the sms service. */
  SMS_URL: Type.String({ default: 'http://127.0.0.1:3004' }),
  /** Base URL of the dialer service. */
  DIALER_URL: Type.String({ default: 'http://127.0.0.1:3005' }),
  /** Base URL of the events service (webhooks). */
  EVENTS_URL: Type.String({ default: 'http://127.0.0.1:3006' }),
  /** Allowed browser origins, comma-separated, or * for any. */
  CORS_ORIGINS: Type.String({ default: '*' }),
  /** How long an upstream may take to answer (headers) or stall its body before the gateway answers 503. */
  UPSTREAM_TIMEOUT_MS: Type.Integer({ default: 300_000, minimum: 100 }),
  /** Keep-alive connections per upstream service. */
  UPSTREAM_CONNECTIONS: Type.Integer({ default: 64, minimum: 1 }),
  /**
   * Live event streams (`GET /v1/events`) this replica carries at once. Each holds a connection to
   * the events service of its own, apart from UPSTREAM_CONNECTIONS; one more answers 503
   * STREAM_LIMIT_REACHED with Retry-After.
   */
  GATEWAY_MAX_STREAMS: Type.Integer({ default: 10_000, minimum: 1 }),
  /**
   * Requests in flight per upstream connection (HTTP/1.1 pipelining; undici pipelines only
   * idempotent requests without a streamed body). 1 = none: a slow answer never delays another.
   */
  UPSTREAM_PIPELINING: Type.Integer({ default: 1, minimum: 1, maximum: 100 }),
  /** How long a duplicate Idempotency-Key request waits for the first one before 409. */
  IDEMPOTENCY_WAIT_MS: Type.Integer({ default: 5_000, minimum: 0 }),
  /** Body size limit of the gateway's own JSON routes (admin), and of a non-multipart POST body buffered for an Idempotency-Key. */
  GATEWAY_BODY_LIMIT_BYTES: Type.Integer({ default: 1024 * 1024, minimum: 1024 }),
});
export type GatewayConfig = import('@autocall/config').Static<typeof gatewayConfigSchema>;
