import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The leased deliveries of a tenant, counted by every claim (WEBHOOK_TENANT_CONCURRENCY). */
export class TenantInFlight1767100000000 implements MigrationInterface {
  name = 'TenantInFlight1767100000000';

  async up(qr: QueryRunner): Promise<void> {
    await qr.query(`CREATE INDEX IF NOT EXISTS deliveries_leased ON deliveries (tenant_id) WHERE status = 'pending' AND lease_until IS NOT NULL`);
  }

  async down(qr: QueryRunner): Promise<void> {
    await qr.query(`DROP INDEX IF EXISTS deliveries_leased`);
  }
}
