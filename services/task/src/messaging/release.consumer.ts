import { TaskCancelled, TaskCompleted, TaskDeleted } from '@autocall/contracts';
import { on, type Bus } from '@autocall/bus';
import type { Reservations } from '../usecases/reservations';

/**
 * A finished task gives its recording, roster and templates back to their owners. The release
 * RPCs are idempotent; a failure throws, so the bus retries with back-off.
 */
export async function releaseConsumer(bus: Bus, reservations: Reservations) {
  const release = async (e: { tenantId: string; taskId: string }) => reservations.release(e.tenantId, e.taskId);
  await bus.subscribe('task.release-references', [on(TaskCompleted, release), on(TaskCancelled, release), on(TaskDeleted, release)], { maxRetries: 10, retryBaseMs: 1000 });
}
