import type { EntityManager } from 'typeorm';
import { TaskProgressChanged, TaskStatusChanged } from '@autocall/contracts';
import { publishManyInTransaction } from '@autocall/bus';
import type { TaskRow } from '../domain/task';
import { progressPayload, statusPayload } from '../domain/task-view';

/**
 * The public events this service owns (API.md "Platform events"), written to the outbox in the
 * transaction of the change they announce: `task.status` (the task view) on every start, pause,
 * resume, cancel and completion.
 */
export async function publishStatus(m: EntityManager, rows: TaskRow[], requestId?: string): Promise<void> {
  await publishManyInTransaction(m, TaskStatusChanged, rows.map(statusPayload), requestId);
}

/** `task.progress`: the counters of each task a folded batch moved. */
export async function publishProgress(m: EntityManager, rows: TaskRow[]): Promise<void> {
  await publishManyInTransaction(m, TaskProgressChanged, rows.map(progressPayload));
}
