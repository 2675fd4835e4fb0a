import { TenantLimitsUpdated } from '@autocall/contracts';
import { on, type Bus } from '@autocall/bus';
import type { TenantLimitsCopy } from '../usecases/tenant-limits';

/** tenant.limits-updated → the tenant's maxActiveTasks kept here. */
export async function limitsConsumer(bus: Bus, limits: TenantLimitsCopy) {
  await bus.subscribe('task.tenant-limits', [on(TenantLimitsUpdated, (e) => limits.store(e))], { maxRetries: 10, retryBaseMs: 1000 });
}
