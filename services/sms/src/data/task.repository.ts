import type { EntityManager } from 'typeorm';
import type { TaskSmsSettings } from '../domain/follow-up';

export interface TaskRow {
  task_id: string;
  tenant_id: string;
  name: string;
  sms: TaskSmsSettings;
  /** the task's time zone (null: stored before the column existed) */
  time_zone: string | null;
  occurred_at: Date;
}

type Q = Pick<EntityManager, 'query'>;

export const taskRepository = {
  /**
   * Stores a task snapshot unless a newer one is already stored (events may arrive out of order:
   * a retried task.created after a task.updated must not win). Returns whether it was stored.
   */
  async upsertIfNewer(m: Q, t: Omit<TaskRow, 'occurred_at'> & { occurred_at: string }): Promise<boolean> {
    const rows = (await m.query(
      `INSERT INTO tasks (task_id, tenant_id, name, sms, occurred_at, time_zone) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (task_id) DO UPDATE SET name = EXCLUDED.name, sms = EXCLUDED.sms, occurred_at = EXCLUDED.occurred_at, time_zone = EXCLUDED.time_zone, updated_at = now()
         WHERE tasks.tenant_id = EXCLUDED.tenant_id AND tasks.occurred_at <= EXCLUDED.occurred_at
       RETURNING 1`,
      [t.task_id, t.tenant_id, t.name, JSON.stringify(t.sms), t.occurred_at, t.time_zone],
    )) as unknown[];
    return rows.length > 0;
  },

  /**
   * A v1 snapshot (no reply rules): stored if strictly newer than the stored one, keeping its reply
   * rules. The v2 published with it in the same transaction has the same time and wins either way.
   */
  async upsertV1IfNewer(m: Q, t: Omit<TaskRow, 'occurred_at'> & { occurred_at: string }): Promise<boolean> {
    const rows = (await m.query(
      `INSERT INTO tasks (task_id, tenant_id, name, sms, occurred_at, time_zone) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (task_id) DO UPDATE SET name = EXCLUDED.name,
         sms = CASE WHEN tasks.sms ? 'replyRules' THEN EXCLUDED.sms || jsonb_build_object('replyRules', tasks.sms->'replyRules') ELSE EXCLUDED.sms END,
         occurred_at = EXCLUDED.occurred_at, time_zone = EXCLUDED.time_zone, updated_at = now()
         WHERE tasks.tenant_id = EXCLUDED.tenant_id AND tasks.occurred_at < EXCLUDED.occurred_at
       RETURNING 1`,
      [t.task_id, t.tenant_id, t.name, JSON.stringify(t.sms), t.occurred_at, t.time_zone],
    )) as unknown[];
    return rows.length > 0;
  },

  async find(m: Q, taskId: string): Promise<TaskRow | undefined> {
    const rows = (await m.query(`SELECT task_id, tenant_id, name, sms, time_zone, occurred_at FROM tasks WHERE task_id = $1`, [taskId])) as TaskRow[];
    return rows[0];
  },

  async findMany(m: Q, taskIds: string[]): Promise<TaskRow[]> {
    return (await m.query(`SELECT task_id, tenant_id, name, sms, time_zone, occurred_at FROM tasks WHERE task_id = ANY($1::uuid[])`, [taskIds])) as TaskRow[];
  },
};
