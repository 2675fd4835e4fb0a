import type { MigrationInterface } from 'typeorm';
import { loadConfig, type Static, type TObject } from '@autocall/config';
import type { App } from '@autocall/http';
import type { Logger } from '@autocall/logger';
import { closeDeps, createDeps, type ServiceDeps } from '@autocall/service';
import { testEnv, testLogger } from './index';

export interface TestService<C> {
  app: App;
  deps: ServiceDeps<C>;
  close(): Promise<void>;
}

/** Builds a service in-process against this worker's database and the real broker. */
export async function startTestService<S extends TObject>(opts: {
  name: string;
  schema: string;
  migrations: (new () => MigrationInterface)[];
  configSchema: S;
  buildApp: (deps: ServiceDeps<Static<S>>) => Promise<App>;
  env?: Record<string, string>;
  /** The service's logger (default: testLogger(), silent unless TEST_LOG). */
  logger?: Logger;
}): Promise<TestService<Static<S>>> {
  const config = loadConfig(opts.configSchema, testEnv(opts.env)) as Static<S> & { DATABASE_URL: string; AMQP_URL: string };
  const deps = await createDeps({ name: opts.name, schema: opts.schema, migrations: opts.migrations, config, logger: opts.logger ?? testLogger(), poolSize: 4 });
  const app = await opts.buildApp(deps);
  return {
    app,
    deps,
    async close() {
      await app.close();
      await closeDeps(deps);
    },
  };
}
