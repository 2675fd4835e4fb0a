import type { RunOptions } from '@autocall/service';
import { buildApp, GATEWAY_SCHEMA, gatewayMigrations } from './app';
import { gatewayConfigSchema } from './config';

/** What it takes to run the gateway service: as its own process (main.ts) or beside the others in one. */
export const gatewayService: RunOptions<typeof gatewayConfigSchema> = {
  name: 'gateway',
  schema: GATEWAY_SCHEMA,
  migrations: gatewayMigrations,
  configSchema: gatewayConfigSchema,
  port: (c) => c.GATEWAY_PORT,
  buildApp,
};
