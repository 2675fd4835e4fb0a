import { Type, type Static, type TObject, type TProperties } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

export { Type };
export type { Static, TObject };

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Reads the environment against a TypeBox schema: defaults applied, strings converted to numbers
 * and booleans, unknown variables ignored. Fails fast with every bad variable named.
 * The result is frozen so nobody mutates configuration at run time.
 */
export function loadConfig<T extends TObject>(schema: T, env: NodeJS.ProcessEnv = process.env): Readonly<Static<T>> {
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(schema.properties)) {
    const value = env[key];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  const withDefaults = Value.Default(schema, raw);
  const converted = Value.Convert(schema, withDefaults);
  const problems = [...Value.Errors(schema, converted)].map((e) => {
    const name = e.path.replace(/^\//, '') || '(root)';
    const value = env[name];
    return `${name}: ${e.message}${value === undefined ? ' (not set)' : ''}`;
  });
  if (problems.length > 0) throw new ConfigError([...new Set(problems)]);
  return Object.freeze(converted as Static<T>);
}

/** Variables every process reads. Each service extends these with its own. */
export const commonConfig = {
  /** PostgreSQL connection string; the database is created if it does not exist. */
  DATABASE_URL: Type.String({ default: 'postgres://postgres@127.0.0.1:5432/autocall' }),
  /** RabbitMQ connection string. */
  AMQP_URL: Type.String({ default: 'amqp://guest:guest@127.0.0.1:5672' }),
  /** Shared secret between the gateway and the services; a request without it is refused. */
  INTERNAL_TOKEN: Type.String({ minLength: 16 }),
  /** trace | debug | info | warn | error | fatal | silent */
  LOG_LEVEL: Type.Union(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'].map((l) => Type.Literal(l)), {
    default: 'info',
  }),
  /** Platform time zone: zone-less times in requests are read in it (WIB). */
  PLATFORM_TIMEZONE: Type.String({ default: 'Asia/Jakarta' }),
  /** Host the HTTP server binds. */
  HOST: Type.String({ default: '0.0.0.0' }),
  /** Hours a consumer remembers a handled message id (inbox) before pruning it; must outlast every redelivery, parked messages included (sms: above SMS_MAX_DELAY_HOURS). */
  INBOX_RETENTION_HOURS: Type.Number({ exclusiveMinimum: 0, default: 72 }),
} satisfies TProperties;

export function configSchema<P extends TProperties>(own: P) {
  return Type.Object({ ...commonConfig, ...own });
}
