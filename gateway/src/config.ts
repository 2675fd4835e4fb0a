import { configSchema, Type } from '@autocall/config';

export const gatewayConfigSchema = configSchema({
  /** Public HTTP port of the gateway (the only port published). */
  GATEWAY_PORT: Type.Integer({ default: 8080, minimum: 0, maximum: 65535 }),
  /** Bearer token of the platform admin for /v1/admin/*; unset means every admin route answers 401. */
  ADMIN_TOKEN: Type.Optional(Type.String({ minLength: 16 })),
  /** Requests per second allowed per API key, per gateway replica; over it: 429. */
  RATE_LIMIT_PER_SECOND: Type.Integer({ default: 100, minimum: 1 }),
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
  /** Allowed browser origins, comma-separated, or * for any. */
  CORS_ORIGINS: Type.String({ default: '*' }),
  /** How long an upstream may take to answer (headers) or stall its body before the gateway answers 503. */
  UPSTREAM_TIMEOUT_MS: Type.Integer({ default: 300_000, minimum: 100 }),
  /** Keep-alive connections per upstream service. */
  UPSTREAM_CONNECTIONS: Type.Integer({ default: 64, minimum: 1 }),
  /** How long a duplicate Idempotency-Key request waits for the first one before 409. */
  IDEMPOTENCY_WAIT_MS: Type.Integer({ default: 5_000, minimum: 0 }),
  /** Body size limit of the gateway's own JSON routes (admin), and of a non-multipart POST body buffered for an Idempotency-Key. */
  GATEWAY_BODY_LIMIT_BYTES: Type.Integer({ default: 1024 * 1024, minimum: 1024 }),
});
export type GatewayConfig = import('@autocall/config').Static<typeof gatewayConfigSchema>;
