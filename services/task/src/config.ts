import { configSchema, Type } from '@autocall/config';

export const taskConfigSchema = configSchema({
  /** HTTP port of the task service (internal). */
  TASK_PORT: Type.Integer({ default: 3001 }),
  /** How often the scheduler looks for due scheduled tasks (ms); a precise timer also fires at the nearest due time. */
  TASK_SCHEDULER_TICK_MS: Type.Integer({ minimum: 10, maximum: 60000, default: 200 }),
  /** Most tasks one scheduler claim transaction starts. */
  TASK_SCHEDULER_BATCH: Type.Integer({ minimum: 1, maximum: 10000, default: 500 }),
  /** false: this replica serves the API and consumers but starts no scheduled task (any replica with it on will). */
  TASK_SCHEDULER_ENABLED: Type.Boolean({ default: true }),
  /** How long an RPC to recording/roster/sms/dialer may take before the request answers 503 DEPENDENCY_UNAVAILABLE. */
  TASK_RPC_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 60000, default: 3000 }),
});
export type TaskConfig = import('@autocall/config').Static<typeof taskConfigSchema>;
