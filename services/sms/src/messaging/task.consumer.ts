import {
  TaskCancelled, TaskCancelledV2, TaskCompleted, TaskCompletedV2, TaskCreated, TaskCreatedV2, TaskPaused, TaskPausedV2, TaskResumed, TaskResumedV2, TaskStarted, TaskStartedV2, TaskUpdated, TaskUpdatedV2,
  type TaskSnapshotT, type TaskSnapshotV2T,
} from '@autocall/contracts';
import { on, type Bus, type MessageContext, type ParkOptions } from '@autocall/bus';
import type { FollowUpService } from '../usecases/follow-up.service';

/** The event's time when the bus passes it on; otherwise arrival order decides (newest arrival wins). */
const occurredAt = (ctx: MessageContext) => ctx.occurredAt ?? new Date().toISOString();

export const taskQueue = (queuePrefix: string) => `${queuePrefix}.tasks`;

/**
 * Every task event that carries a snapshot keeps the task's name and SMS settings current. The
 * task service publishes each in v1 and v2 (v2 has the reply rules): both of one change carry the
 * same time and v2 wins; a newer v1 (a replica of before v2) updates the rest and keeps the reply rules.
 */
export async function taskConsumer(bus: Bus, followUps: FollowUpService, opts: { queuePrefix: string; maxRetries: number; retryBaseMs: number; park: ParkOptions }) {
  await bus.subscribe(
    taskQueue(opts.queuePrefix),
    [
      ...[TaskCreatedV2, TaskStartedV2, TaskUpdatedV2, TaskPausedV2, TaskResumedV2, TaskCancelledV2, TaskCompletedV2].map((event) =>
        on(event, (task: TaskSnapshotV2T, ctx) => followUps.recordTask(task, occurredAt(ctx))),
      ),
      ...[TaskCreated, TaskStarted, TaskUpdated, TaskPaused, TaskResumed, TaskCancelled, TaskCompleted].map((event) =>
        on(event, (task: TaskSnapshotT, ctx) => followUps.recordTaskV1(task, occurredAt(ctx))),
      ),
    ],
    // A lost snapshot would leave every follow-up of its task undeliverable: after the quick
    // retries it is parked and tried again for as long as it takes, never dead-lettered.
    { maxRetries: opts.maxRetries, retryBaseMs: opts.retryBaseMs, park: opts.park },
  );
}
