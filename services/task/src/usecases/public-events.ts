import type { EntityManager } from 'typeorm';
import { TaskProgressChanged, TaskStatusChanged } from '@autocall/contracts';
import { publishManyInTransaction } from '@autocall/bus';
import type { TaskRow } from '../domain/task';
import { taskRepository as repo } from '../data/task.repository';
import { progressPayload, statusPayload } from '../domain/task-view';

/**
 * The public events this service owns (API.md "Platform events"), written to the outbox in the
 * transaction of the change they announce: `task.status` (the task view) on every start, pause,
 * resume, cancel and completion.
 */
export async function publishStatus(m: EntityManager, rows: TaskRow[], requestId?: string, now = new Date()): Promise<void> {
  // nextCallAt skips the tenant's blackouts here as in GET /v1/tasks/{id}: each tenant's calendar read once
  const calendars = new Map<string, Awaited<ReturnType<typeof repo.blackoutsOf>>>();
  for (const t of new Set(rows.map((r) => r.tenant_id))) calendars.set(t, await repo.blackoutsOf(m, t));
  await publishManyInTransaction(m, TaskStatusChanged, rows.map((r) => statusPayload(r, calendars.get(r.tenant_id), now)), requestId);
}

/** `task.progress`: the counters of each task a folded batch moved. */
export async function publishProgress(m: EntityManager, rows: TaskRow[]): Promise<void> {
  await publishManyInTransaction(m, TaskProgressChanged, rows.map(progressPayload));
}
