import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { ensureVhost } from './isolation';
import pino from 'pino';
import { RabbitBus, type Bus } from '@autocall/bus';
import { loggerOptions, type Logger } from '@autocall/logger';

export const TEST_INTERNAL_TOKEN = 'test-internal-token-0123456789';
export const TEST_ADMIN_TOKEN = 'test-admin-token-0123456789';

export const BASE_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const AMQP_URL = process.env.TEST_AMQP_URL ?? process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

/**
 * Every jest run gets an id (set by the global setup) and every worker of it its own database and
 * RabbitMQ virtual host, so concurrent runs on one machine, and in-test responders of one worker,
 * never answer another's RPCs or drop another's database.
 */
export function isolationName(): string {
  return `autocall_test_${process.env.AUTOCALL_TEST_RUN ?? 'local'}_${process.env.JEST_WORKER_ID ?? '0'}`;
}

/** This worker's database (created on first use by the services' own start-up code). */
export function testDatabaseUrl(): string {
  const url = new URL(BASE_DATABASE_URL);
  url.pathname = `/${isolationName()}`;
  return url.toString();
}

let vhostReady: string | undefined;
/** This worker's RabbitMQ virtual host, created on first use (rabbitmqctl, as on CI's machine). */
export function testAmqpUrl(): string {
  const vhost = isolationName();
  if (vhostReady !== vhost) {
    ensureVhost(vhost);
    vhostReady = vhost;
  }
  const url = new URL(AMQP_URL);
  url.pathname = `/${encodeURIComponent(vhost)}`;
  return url.toString();
}

/** A silent logger, or a readable one with TEST_LOG=1; the production options (serializers, redaction) either way. */
export function testLogger(): Logger {
  return pino({ ...loggerOptions('test', process.env.TEST_LOG ? 'debug' : 'silent'), transport: undefined });
}

/** The environment a service would see, pointed at this worker's database and the real broker. */
export function testEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    DATABASE_URL: testDatabaseUrl(),
    AMQP_URL: testAmqpUrl(),
    INTERNAL_TOKEN: TEST_INTERNAL_TOKEN,
    ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    LOG_LEVEL: 'silent',
    ...extra,
  };
}

export async function connectTestBus(service = 'test'): Promise<Bus> {
  return RabbitBus.connect({ url: testAmqpUrl(), service, logger: testLogger() }, 10_000);
}

/** Headers the gateway would add: the internal token and the tenant. */
export function asTenant(tenantId: string): Record<string, string> {
  return { 'x-internal-token': TEST_INTERNAL_TOKEN, 'x-autocall-tenant-id': tenantId };
}

export function asAdmin(): Record<string, string> {
  return { 'x-internal-token': TEST_INTERNAL_TOKEN, 'x-autocall-admin': 'true' };
}

export const newTenantId = () => randomUUID();

/** Polls until the check returns a truthy value or the time runs out. */
export async function eventually<T>(check: () => Promise<T | undefined | null | false> | T | undefined | null | false, timeoutMs = 10_000, stepMs = 50): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`condition not met within ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

export async function sql<T = any>(query: string, params: unknown[] = [], url = testDatabaseUrl()): Promise<T[]> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(query, params)).rows as T[];
  } finally {
    await c.end();
  }
}

export * from './service';
export * from './ports';
export * from './service-process';
export * from './isolation';
export * from './tcp-relay';
export * from './private-rabbit';
export * from './factories';
