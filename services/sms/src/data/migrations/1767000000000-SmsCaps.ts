import type { MigrationInterface, QueryRunner } from 'typeorm';
import { createTenantLimitsCopy } from '@autocall/bus';

/**
 * SMS caps (API.md): the tenant's smsPerDay (in the copy of the tenants' limits from
 * tenant.limits-updated, the highest version kept) and the contact policy's maxSmsPerNumberPerDay (a copy from contact-policy.updated, the
 * newest updatedAt kept), the per-(tenant, local day) and per-(tenant, number, local day) counters
 * taken under their row locks, and each task's time zone (the day is the task's local day).
 */
export class SmsCaps1767000000000 implements MigrationInterface {
  name = 'SmsCaps1767000000000';

  async up(qr: QueryRunner): Promise<void> {
    await qr.query(`ALTER TABLE tasks ADD COLUMN IF NOT EXISTS time_zone text`);
    await createTenantLimitsCopy(qr);
    await qr.query(`
      CREATE TABLE IF NOT EXISTS contact_policies (
        tenant_id uuid PRIMARY KEY,
        max_sms_per_number_per_day int,
        updated_at timestamptz NOT NULL
      )`);
    await qr.query(`
      CREATE TABLE IF NOT EXISTS sms_day_counts (
        tenant_id uuid NOT NULL,
        day date NOT NULL,
        sent int NOT NULL DEFAULT 0,
        PRIMARY KEY (tenant_id, day)
      )`);
    await qr.query(`
      CREATE TABLE IF NOT EXISTS sms_number_day_counts (
        tenant_id uuid NOT NULL,
        phone text NOT NULL,
        day date NOT NULL,
        sent int NOT NULL DEFAULT 0,
        PRIMARY KEY (tenant_id, phone, day)
      )`);
    await qr.query(`CREATE INDEX IF NOT EXISTS sms_number_day_counts_day ON sms_number_day_counts (day)`);
  }

  async down(): Promise<void> {
    // forward-only
  }
}
