import { ContactPolicyUpdated, TenantLimitsUpdated } from '@autocall/contracts';
import { on, type Bus } from '@autocall/bus';
import type { FollowUpService } from '../usecases/follow-up.service';

export const capsQueue = (queuePrefix: string) => `${queuePrefix}.caps`;

/** tenant.limits-updated (smsPerDay) and contact-policy.updated (maxSmsPerNumberPerDay) → the copies the SMS caps read. */
export async function capsConsumer(bus: Bus, followUps: FollowUpService, opts: { queuePrefix: string }) {
  await bus.subscribe(
    capsQueue(opts.queuePrefix),
    [on(TenantLimitsUpdated, (e) => followUps.storeLimits(e)), on(ContactPolicyUpdated, (e) => followUps.storePolicy(e))],
    { maxRetries: 10, retryBaseMs: 1000 },
  );
}
