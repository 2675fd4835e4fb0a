import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The sms service's copy of each tenant's do-not-call list, kept from the dialer's `dnc.changed`
 * events: per number the change with the highest version (a removal is kept as `listed = false`,
 * so an older listing that arrives late never brings the number back). Every SMS is checked
 * against it when it is sent.
 */
export class DncCopy1769000000000 implements MigrationInterface {
  name = 'DncCopy1769000000000';

  async up(qr: QueryRunner): Promise<void> {
    await qr.query(`
      CREATE TABLE IF NOT EXISTS dnc_numbers (
        tenant_id uuid NOT NULL,
        phone text NOT NULL,
        listed boolean NOT NULL,
        version bigint NOT NULL,
        changed_at timestamptz NOT NULL,
        PRIMARY KEY (tenant_id, phone)
      )`);
  }

  async down(): Promise<void> {
    // forward-only
  }
}
