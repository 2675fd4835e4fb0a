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
  /** Pause/resume/cancel: how much longer than the dialer's deadline (TASK_RPC_TIMEOUT_MS) its answer is waited for, so one sent in time is not taken for a timeout. */
  TASK_CONTROL_REPLY_GRACE_MS: Type.Integer({ minimum: 0, maximum: 60000, default: 1000 }),
  /** How often each replica re-sends to the dialer the state of tasks whose pause/resume/cancel timed out, until the dialer acknowledges it (ms). */
  TASK_CONTROL_RECONCILE_MS: Type.Integer({ minimum: 10, maximum: 60000, default: 1000 }),
  /** Longest wait between two re-sends of one task's state while the dialer does not acknowledge it (ms). */
  TASK_CONTROL_RECONCILE_MAX_BACKOFF_MS: Type.Integer({ minimum: 10, maximum: 3600000, default: 30000 }),
});
export type TaskConfig = import('@autocall/config').Static<typeof taskConfigSchema>;
