import type { MigrationInterface, QueryRunner } from 'typeorm';
import { createTenantLimitsCopy } from '@autocall/bus';

/**
 * The tenants' limits, a copy kept from the gateway's `tenant.limits-updated` (the highest version
 * wins), of which this service enforces maxActiveTasks. Its row is also the lock every start of a
 * task of the tenant takes (create, scheduled start, PATCH to immediate), so concurrent starts on
 * any number of replicas never pass the limit. The partial index counts a tenant's active tasks.
 */
export class TenantLimits1764500000000 implements MigrationInterface {
  name = 'TenantLimits1764500000000';

  async up(qr: QueryRunner): Promise<void> {
    await createTenantLimitsCopy(qr);
    await qr.query(`CREATE INDEX IF NOT EXISTS tasks_active ON tasks (tenant_id) WHERE status IN ('running', 'paused')`);
  }

  async down(): Promise<void> {
    // forward-only
  }
}
