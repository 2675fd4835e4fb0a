import { on, type Bus } from '@autocall/bus';
import { TenantLimitsUpdated, type TenantLimitsUpdatedT } from '@autocall/contracts';

export const TENANT_LIMITS_QUEUE = 'dialer.tenant-limits';

/** tenant.limits-updated: the tenant's concurrent calls and calls/s, which the claim statement enforces. */
export async function tenantLimitsConsumer(bus: Bus, apply: (e: TenantLimitsUpdatedT, messageId: string) => Promise<void>) {
  await bus.subscribe(TENANT_LIMITS_QUEUE, [on(TenantLimitsUpdated, (p, ctx) => apply(p, ctx.id))]);
}
