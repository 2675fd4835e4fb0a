import { CallCompleted } from '@autocall/contracts';
import type { Bus } from '@autocall/bus';
import type { FollowUpService } from '../domain/follow-up.service';

/**
 * call.completed → at most one follow-up SMS per (task, phone, kind), in batches of up to
 * `maxBatch` messages per transaction (a failed batch is retried message by message by the bus).
 */
export async function callCompletedConsumer(
  bus: Bus,
  followUps: FollowUpService,
  opts: { queuePrefix: string; prefetch: number; maxBatch: number; maxRetries: number; retryBaseMs: number },
) {
  await bus.subscribeBatch(`${opts.queuePrefix}.call-completed`, [CallCompleted], (items) => followUps.onCallCompletedBatch(items, opts.maxRetries), {
    maxBatch: opts.maxBatch,
    maxWaitMs: 20,
    prefetch: Math.max(opts.prefetch, opts.maxBatch),
    maxRetries: opts.maxRetries,
    retryBaseMs: opts.retryBaseMs,
  });
}
