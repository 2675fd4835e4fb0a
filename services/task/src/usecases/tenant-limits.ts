import type { DataSource } from 'typeorm';
import type { TenantLimitsUpdatedT } from '@autocall/contracts';
import { taskRepository as repo } from '../data/task.repository';

/** The tenants' maxActiveTasks (a copy of the gateway's), which creates, resumes and scheduled starts respect. */
export class TenantLimitsCopy {
  constructor(private readonly db: DataSource) {}

  /** Keeps the highest version: a late or redelivered event never undoes a newer one. */
  async store(e: TenantLimitsUpdatedT): Promise<void> {
    await repo.storeLimits(this.db.manager, e.tenantId, e.limits.maxActiveTasks, e.version);
  }
}
