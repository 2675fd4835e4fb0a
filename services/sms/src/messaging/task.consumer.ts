import { TaskCompleted, TaskCancelled, TaskCreated, TaskPaused, TaskResumed, TaskStarted, TaskUpdated, type TaskSnapshotT } from '@autocall/contracts';
import { on, type Bus, type MessageContext, type ParkOptions } from '@autocall/bus';
import type { FollowUpService } from '../usecases/follow-up.service';

/** The event's time when the bus passes it on; otherwise arrival order decides (newest arrival wins). */
const occurredAt = (ctx: MessageContext) => ctx.occurredAt ?? new Date().toISOString();

export const taskQueue = (queuePrefix: string) => `${queuePrefix}.tasks`;

/** Every task event that carries a snapshot keeps the task's name and SMS settings current. */
export async function taskConsumer(bus: Bus, followUps: FollowUpService, opts: { queuePrefix: string; maxRetries: number; retryBaseMs: number; park: ParkOptions }) {
  await bus.subscribe(
    taskQueue(opts.queuePrefix),
    [TaskCreated, TaskStarted, TaskUpdated, TaskPaused, TaskResumed, TaskCancelled, TaskCompleted].map((event) =>
      on(event, (task: TaskSnapshotT, ctx) => followUps.recordTask(task, occurredAt(ctx))),
    ),
    // A lost snapshot would leave every follow-up of its task undeliverable: after the quick
    // retries it is parked and tried again for as long as it takes, never dead-lettered.
    { maxRetries: opts.maxRetries, retryBaseMs: opts.retryBaseMs, park: opts.park },
  );
}
