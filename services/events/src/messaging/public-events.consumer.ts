import { CALL_COMPLETED_VERSIONS, DialerNumberSettled, NumberCompleted, NumberTagged, RosterStatusChanged, SmsInbound, SmsStatusChanged, SmsStatusChangedV1, TaskProgressChanged, TaskStatusChanged } from '@autocall/contracts';
import type { Bus } from '@autocall/bus';
import type { EventIntake } from '../usecases/intake';

export const publicEventsQueue = (prefix: string) => `${prefix}.public`;

/** The public events of every service (and the dialer's call.completed, and its dialer.number.settled as number.completed) → stored and fanned out, in batches. */
export async function publicEventsConsumer(bus: Bus, intake: EventIntake, opts: { queuePrefix: string }) {
  await bus.subscribeBatch(
    publicEventsQueue(opts.queuePrefix),
    [...CALL_COMPLETED_VERSIONS, DialerNumberSettled, NumberCompleted, TaskStatusChanged, TaskProgressChanged, RosterStatusChanged, SmsStatusChangedV1, SmsStatusChanged, SmsInbound, NumberTagged],
    (items) => intake.applyBatch(items),
    { maxBatch: 500, maxWaitMs: 0, prefetch: 1000, maxRetries: 8, retryBaseMs: 250, park: { baseMs: 30_000, maxMs: 900_000 } },
  );
}
