import { on, type Bus } from '@autocall/bus';
import { TaskCancelled, TaskCompleted, TaskCreated, TaskDeleted, TaskPaused, TaskResumed, TaskStarted, TaskUpdated, type TaskSnapshotT } from '@autocall/contracts';
import type { TaskSnapshots } from '../usecases/task-snapshots';

const QUEUE = 'dialer.task-events';

/** task.* events: the dialer's copy of each task (tenant, roster, limits); task.started loads the roster. */
export async function taskEventsConsumer(bus: Bus, snapshots: TaskSnapshots) {
  const apply = (started: boolean) => (s: TaskSnapshotT, ctx: { id: string; occurredAt?: string }) => snapshots.apply(QUEUE, ctx.id, s, started, ctx.occurredAt);
  await bus.subscribe(QUEUE, [
    on(TaskCreated, apply(false)),
    on(TaskStarted, apply(true)),
    on(TaskUpdated, apply(false)),
    on(TaskPaused, apply(false)),
    on(TaskResumed, apply(false)),
    on(TaskCancelled, apply(false)),
    on(TaskCompleted, apply(false)),
    on(TaskDeleted, (p, ctx) => snapshots.delete(QUEUE, ctx.id, p.tenantId, p.taskId)),
  ]);
}
