import type { EntityManager } from 'typeorm';

type Q = Pick<EntityManager, 'query'>;

/** The usages of a resource the service owns (API.md "references"), for its repository. */
export interface Usages {
  /** Whether any task uses the resource. Call it in the owner's delete (or edit) transaction, after locking the resource's row FOR UPDATE. */
  inUse(m: Q, id: string): Promise<boolean>;
  /** Records that the task uses these resources (again is a no-op). Call it after locking their rows (FOR SHARE or FOR UPDATE) in the same transaction. */
  reserve(m: Q, tenantId: string, taskId: string, ids: readonly string[]): Promise<void>;
  /** The task uses none of the tenant's resources of this kind any more. */
  release(m: Q, tenantId: string, taskId: string): Promise<void>;
  /** The task uses only `keep` of them: its other usages go. */
  releaseExcept(m: Q, tenantId: string, taskId: string, keep: readonly string[]): Promise<void>;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

/**
 * A task's use of a recording, roster or template, kept by its owner in `<table>` (columns
 * `<column>`, `task_id`, `tenant_id`, all uuid, primary key (`<column>`, task_id)).
 *
 * Race-free only with the owner's row lock, which stays the caller's: a reserve locks the resource
 * (FOR SHARE, or FOR UPDATE) before it inserts, a delete locks it FOR UPDATE before it asks
 * `inUse`, both in one transaction. Whichever comes second waits for the first to commit, so a
 * delete either goes first and the reserve finds nothing (not found), or waits and sees the usage.
 * `table` and `column` are the caller's constants, never input.
 */
export function usages(table: string, column: string): Usages {
  if (!IDENTIFIER.test(table) || !IDENTIFIER.test(column)) throw new Error(`usages: ${table}.${column} is not a plain identifier`);
  return {
    async inUse(m, id) {
      const rows = (await m.query(`SELECT 1 FROM ${table} WHERE ${column} = $1 LIMIT 1`, [id])) as unknown[];
      return rows.length > 0;
    },
    async reserve(m, tenantId, taskId, ids) {
      await m.query(`INSERT INTO ${table} (${column}, task_id, tenant_id) SELECT unnest($1::uuid[]), $2, $3 ON CONFLICT DO NOTHING`, [ids, taskId, tenantId]);
    },
    async release(m, tenantId, taskId) {
      await m.query(`DELETE FROM ${table} WHERE task_id = $1 AND tenant_id = $2`, [taskId, tenantId]);
    },
    async releaseExcept(m, tenantId, taskId, keep) {
      await m.query(`DELETE FROM ${table} WHERE task_id = $1 AND tenant_id = $2 AND ${column} <> ALL($3::uuid[])`, [taskId, tenantId, keep]);
    },
  };
}
