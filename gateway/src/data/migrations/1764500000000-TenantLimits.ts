import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Tenant limits (API.md "Platform admin"): one nullable column per limit (null = no limit), the
 * per-tenant version of `tenant.limits-updated` (never goes back), and storage: the bytes the
 * tenant's recordings and rosters hold (`storage_used`) and each reservation by its key, so that a
 * repeated reserve or release changes nothing.
 */
export class TenantLimits1764500000000 implements MigrationInterface {
  name = 'TenantLimits1764500000000';

  async up(qr: QueryRunner): Promise<void> {
    await qr.query(`
      ALTER TABLE tenants
        ADD COLUMN max_concurrent_calls int CHECK (max_concurrent_calls >= 0),
        ADD COLUMN calls_per_second double precision CHECK (calls_per_second >= 0),
        ADD COLUMN max_active_tasks int CHECK (max_active_tasks >= 0),
        ADD COLUMN storage_bytes bigint CHECK (storage_bytes >= 0),
        ADD COLUMN sms_per_day int CHECK (sms_per_day >= 0),
        ADD COLUMN limits_version bigint NOT NULL DEFAULT 0,
        ADD COLUMN storage_used bigint NOT NULL DEFAULT 0 CHECK (storage_used >= 0)`);
    await qr.query(`
      CREATE TABLE storage_reservations (
        tenant_id uuid NOT NULL REFERENCES tenants (id),
        key text NOT NULL,
        bytes bigint NOT NULL CHECK (bytes >= 0),
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, key)
      )`);
  }

  async down(): Promise<void> {
    // forward-only
  }
}
