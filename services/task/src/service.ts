import type { RunOptions } from '@autocall/service';
import { buildApp, TASK_SCHEMA, taskMigrations } from './app';
import { taskConfigSchema } from './config';

/** What it takes to run the task service: as its own process (main.ts) or beside the others in one. */
export const taskService: RunOptions<typeof taskConfigSchema> = {
  name: 'task',
  schema: TASK_SCHEMA,
  migrations: taskMigrations,
  configSchema: taskConfigSchema,
  port: (c) => c.TASK_PORT,
  buildApp,
};
