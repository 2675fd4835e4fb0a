import type { RunOptions } from '@autocall/service';
import { buildApp, EVENTS_SCHEMA, eventsMigrations } from './app';
import { eventsConfigSchema } from './config';

/** What it takes to run the events service: as its own process (main.ts) or beside the others in one. */
export const eventsService: RunOptions<typeof eventsConfigSchema> = {
  name: 'events',
  schema: EVENTS_SCHEMA,
  migrations: eventsMigrations,
  configSchema: eventsConfigSchema,
  port: (c) => c.EVENTS_PORT,
  buildApp,
};
