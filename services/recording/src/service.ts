import type { RunOptions } from '@autocall/service';
import { buildApp, RECORDING_SCHEMA, recordingMigrations } from './app';
import { recordingConfigSchema } from './config';

/** What it takes to run the recording service: as its own process (main.ts) or beside the others in one. */
export const recordingService: RunOptions<typeof recordingConfigSchema> = {
  name: 'recording',
  schema: RECORDING_SCHEMA,
  migrations: recordingMigrations,
  configSchema: recordingConfigSchema,
  port: (c) => c.RECORDING_PORT,
  buildApp,
};
