import type { RunOptions } from '@autocall/service';
import { buildApp, SMS_SCHEMA, smsMigrations } from './app';
import { smsConfigSchema } from './config';

/** What it takes to run the sms service: as its own process (main.ts) or beside the others in one. */
export const smsService: RunOptions<typeof smsConfigSchema> = {
  name: 'sms',
  schema: SMS_SCHEMA,
  migrations: smsMigrations,
  configSchema: smsConfigSchema,
  port: (c) => c.SMS_PORT,
  buildApp,
};
