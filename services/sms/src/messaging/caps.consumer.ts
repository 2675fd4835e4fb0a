import { ContactPolicyUpdated, TenantLimitsUpdated } from '@autocall/contracts';
import { on, type Bus, type TenantLimitsCopy } from '@autocall/bus';
import type { FollowUpService } from '../usecases/follow-up.service';

export const capsQueue = (queuePrefix: string) => `${queuePrefix}.caps`;

/** tenant.limits-updated (smsPerDay, into the limits copy) and contact-policy.updated (maxSmsPerNumberPerDay) → what the SMS caps read. */
export async function capsConsumer(bus: Bus, followUps: FollowUpService, limits: TenantLimitsCopy, opts: { queuePrefix: string }) {
  await bus.subscribe(
    capsQueue(opts.queuePrefix),
    [on(TenantLimitsUpdated, async (e) => void (await limits.store(e))), on(ContactPolicyUpdated, (e) => followUps.storePolicy(e))],
    { maxRetries: 10, retryBaseMs: 1000 },
  );
}
