import type { EntityManager } from 'typeorm';
import {
  TaskCancelled, TaskCancelledV2, TaskCompleted, TaskCompletedV2, TaskCreated, TaskCreatedV2, TaskPaused, TaskPausedV2, TaskResumed, TaskResumedV2, TaskStarted, TaskStartedV2, TaskUpdated, TaskUpdatedV2,
} from '@autocall/contracts';
import { publishManyInTransaction } from '@autocall/bus';
import type { TaskRow } from '../domain/task';
import { toSnapshot, toSnapshotV2 } from '../domain/task-view';

/** Each snapshot event's v2 (with the reply rules), published beside v1 (which the dialer reads) until every consumer reads v2. */
const V2 = {
  'task.created': TaskCreatedV2,
  'task.started': TaskStartedV2,
  'task.updated': TaskUpdatedV2,
  'task.paused': TaskPausedV2,
  'task.resumed': TaskResumedV2,
  'task.cancelled': TaskCancelledV2,
  'task.completed': TaskCompletedV2,
} as const;

type SnapshotEvent = typeof TaskCreated | typeof TaskStarted | typeof TaskUpdated | typeof TaskPaused | typeof TaskResumed | typeof TaskCancelled | typeof TaskCompleted;

/** The task.* snapshot event of these rows, in both versions, through the outbox of this transaction. */
export async function publishSnapshots(m: EntityManager, event: SnapshotEvent, rows: TaskRow[], requestId?: string): Promise<void> {
  await publishManyInTransaction(m, event, rows.map(toSnapshot), requestId);
  await publishManyInTransaction(m, V2[event.name], rows.map(toSnapshotV2), requestId);
}
