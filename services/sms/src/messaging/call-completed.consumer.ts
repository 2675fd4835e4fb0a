import { CALL_COMPLETED_VERSIONS } from '@autocall/contracts';
import type { Bus, ParkOptions } from '@autocall/bus';
import type { FollowUpService } from '../usecases/follow-up.service';

export const callCompletedQueue = (queuePrefix: string) => `${queuePrefix}.call-completed`;

/**
 * call.completed → at most one follow-up SMS per (task, phone, kind), in batches of up to
 * `maxBatch` messages per transaction (a failed batch is retried message by message by the bus).
 * One that cannot be handled yet (database down, task snapshot late) is parked in the broker and
 * tried again for as long as it takes: it is never dead-lettered for waiting.
 */
export async function callCompletedConsumer(
  bus: Bus,
  followUps: FollowUpService,
  opts: { queuePrefix: string; prefetch: number; maxBatch: number; maxRetries: number; retryBaseMs: number; park: ParkOptions },
) {
  await bus.subscribeBatch(callCompletedQueue(opts.queuePrefix), [...CALL_COMPLETED_VERSIONS], (items) => followUps.onCallCompletedBatch(items), {
    maxBatch: opts.maxBatch,
    maxWaitMs: 20,
    prefetch: Math.max(opts.prefetch, opts.maxBatch),
    maxRetries: opts.maxRetries,
    retryBaseMs: opts.retryBaseMs,
    park: opts.park,
  });
}
