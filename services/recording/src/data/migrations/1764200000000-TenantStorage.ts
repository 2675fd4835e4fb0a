import type { MigrationInterface, QueryRunner } from 'typeorm';
import { createTenantLimitsCopy } from '@autocall/bus';

/** The tenants' limits (a copy from tenant.limits-updated): uploads of a tenant with a storageBytes are reserved through the gateway first. */
export class TenantStorage1764200000000 implements MigrationInterface {
  name = 'TenantStorage1764200000000';

  async up(qr: QueryRunner): Promise<void> {
    await createTenantLimitsCopy(qr);
  }

  async down(): Promise<void> {
    // forward-only
  }
}
