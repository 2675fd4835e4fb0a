import type { RunOptions } from '@autocall/service';
import { buildApp, ROSTER_SCHEMA, rosterMigrations } from './app';
import { rosterConfigSchema } from './config';

/** What it takes to run the roster service: as its own process (main.ts) or beside the others in one. */
export const rosterService: RunOptions<typeof rosterConfigSchema> = {
  name: 'roster',
  schema: ROSTER_SCHEMA,
  migrations: rosterMigrations,
  configSchema: rosterConfigSchema,
  port: (c) => c.ROSTER_PORT,
  buildApp,
};
