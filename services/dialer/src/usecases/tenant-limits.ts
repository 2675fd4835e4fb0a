import { handleOnce } from '@autocall/bus';
import type { TenantLimitsUpdatedT } from '@autocall/contracts';
import type { DataSource } from 'typeorm';
import { TenantLimitsRepository } from '../data/tenant-limits.repository';

/** tenant.limits-updated, each message applied once (the highest version kept); then the claim loop looks again. */
export function tenantLimitsHandler(db: DataSource, consumer: string, nudge: () => void) {
  return async (e: TenantLimitsUpdatedT, messageId: string): Promise<void> => {
    await handleOnce(db, consumer, messageId, (m) => TenantLimitsRepository.apply(m, e));
    nudge();
  };
}
