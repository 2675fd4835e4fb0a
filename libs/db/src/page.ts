import type { EntityManager } from 'typeorm';

export interface PageFilter {
  tenantId?: string;
  /** substring of the name, case-insensitive (LIKE wildcards in it are taken literally) */
  name?: string;
  status?: string;
  page: number;
  pageSize: number;
}

/**
 * A management list (API.md "lists"): tenant-scoped, filtered by name and status, newest first,
 * with the total. `table` and `columns` are the caller's constants, never user input.
 */
export async function listPage<T>(m: Pick<EntityManager, 'query'>, table: string, f: PageFilter, columns = '*'): Promise<{ rows: T[]; total: number }> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (f.tenantId) where.push(`tenant_id = $${params.push(f.tenantId)}`);
  if (f.name) where.push(`name ILIKE $${params.push(`%${f.name.replace(/[\\%_]/g, (c) => `\\${c}`)}%`)}`);
  if (f.status) where.push(`status = $${params.push(f.status)}`);
  const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
  const [{ count }] = (await m.query(`SELECT count(*)::int AS count FROM ${table} ${clause}`, params)) as { count: number }[];
  const rows = (await m.query(
    `SELECT ${columns} FROM ${table} ${clause} ORDER BY created_at DESC, id DESC LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
    [...params, f.pageSize, (f.page - 1) * f.pageSize],
  )) as T[];
  return { rows, total: count };
}
