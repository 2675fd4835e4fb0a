import type { MigrationInterface, QueryRunner } from 'typeorm';
import { createTenantStorageLimits } from '@autocall/bus';

/** The tenants' storageBytes (a copy from tenant.limits-updated): uploads of a tenant with a limit are reserved through the gateway first. */
export class TenantStorage1764300000000 implements MigrationInterface {
  name = 'TenantStorage1764300000000';

  async up(qr: QueryRunner): Promise<void> {
    await createTenantStorageLimits(qr);
  }

  async down(): Promise<void> {
    // forward-only
  }
}
