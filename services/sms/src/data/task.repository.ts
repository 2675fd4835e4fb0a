import type { EntityManager } from 'typeorm';
import type { TaskSmsSettings } from '../domain/follow-up';

export interface TaskRow {
  task_id: string;
  tenant_id: string;
  name: string;
  sms: TaskSmsSettings;
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
      `INSERT INTO tasks (task_id, tenant_id, name, sms, occurred_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (task_id) DO UPDATE SET name = EXCLUDED.name, sms = EXCLUDED.sms, occurred_at = EXCLUDED.occurred_at, updated_at = now()
         WHERE tasks.tenant_id = EXCLUDED.tenant_id AND tasks.occurred_at <= EXCLUDED.occurred_at
       RETURNING 1`,
      [t.task_id, t.tenant_id, t.name, JSON.stringify(t.sms), t.occurred_at],
    )) as unknown[];
    return rows.length > 0;
  },

  async find(m: Q, taskId: string): Promise<TaskRow | undefined> {
    const rows = (await m.query(`SELECT task_id, tenant_id, name, sms, occurred_at FROM tasks WHERE task_id = $1`, [taskId])) as TaskRow[];
    return rows[0];
  },

  async findMany(m: Q, taskIds: string[]): Promise<TaskRow[]> {
    return (await m.query(`SELECT task_id, tenant_id, name, sms, occurred_at FROM tasks WHERE task_id = ANY($1::uuid[])`, [taskIds])) as TaskRow[];
  },
};
