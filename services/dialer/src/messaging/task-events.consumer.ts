import { handleOnce, on, type Bus } from '@autocall/bus';
import { TaskCancelled, TaskCompleted, TaskCreated, TaskDeleted, TaskPaused, TaskResumed, TaskStarted, TaskUpdated, type TaskSnapshotT } from '@autocall/contracts';
import type { DataSource } from 'typeorm';
import type { TaskRepository } from '../data/task.repository';
import type { DialerEngine } from '../domain/dialer.engine';

const QUEUE = 'dialer.task-events';

/** task.* events: the dialer's copy of each task (tenant, roster, limits); task.started loads the roster. */
export async function taskEventsConsumer(bus: Bus, db: DataSource, tasks: TaskRepository, engine: DialerEngine) {
  const apply = (started: boolean) => async (s: TaskSnapshotT, ctx: { id: string; occurredAt?: string }) => {
    await handleOnce(db, QUEUE, ctx.id, (m) => tasks.applySnapshot(m, s, started, ctx.occurredAt));
    if (started || s.status === 'running') {
      engine.nudgeLoader();
      engine.nudge();
    }
  };
  await bus.subscribe(QUEUE, [
    on(TaskCreated, apply(false)),
    on(TaskStarted, apply(true)),
    on(TaskUpdated, apply(false)),
    on(TaskPaused, apply(false)),
    on(TaskResumed, apply(false)),
    on(TaskCancelled, apply(false)),
    on(TaskCompleted, apply(false)),
    on(TaskDeleted, async (p, ctx) => {
      await handleOnce(db, QUEUE, ctx.id, (m) => tasks.markDeleted(m, p.tenantId, p.taskId));
    }),
  ]);
}
