import { CALL_COMPLETED_VERSIONS, DialerNumberSettled, DialerTaskDrained, SmsFailed, SmsSent } from '@autocall/contracts';
import type { Bus } from '@autocall/bus';
import type { ProgressService } from '../usecases/progress.service';

/**
 * call.completed, dialer.number.settled, sms.sent|failed and dialer.task.drained → the task's progress counters, in
 * batches (one transaction per batch; a failed batch is retried message by message by the bus).
 */
export async function progressConsumer(bus: Bus, progress: ProgressService, opts: { maxBatch?: number; maxWaitMs?: number } = {}) {
  await bus.subscribeBatch('task.progress', [...CALL_COMPLETED_VERSIONS, DialerNumberSettled, SmsSent, SmsFailed, DialerTaskDrained], (items) => progress.applyBatch(items), {
    maxBatch: opts.maxBatch ?? 500,
    maxWaitMs: opts.maxWaitMs ?? 20,
  });
}
