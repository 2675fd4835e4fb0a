import type { RunOptions } from '@autocall/service';
import { buildApp, DIALER_SCHEMA, dialerMigrations } from './app';
import { dialerConfigSchema } from './config';

/** What it takes to run the dialer service: as its own process (main.ts) or beside the others in one. */
export const dialerService: RunOptions<typeof dialerConfigSchema> = {
  name: 'dialer',
  schema: DIALER_SCHEMA,
  migrations: dialerMigrations,
  configSchema: dialerConfigSchema,
  port: (c) => c.DIALER_PORT,
  buildApp,
};
