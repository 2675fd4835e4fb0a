import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Contact caps and tenant limits (API.md "Do-not-call list, calendar and contact policy"):
 * - `contact_policies`: the tenant's caps per number per local day (`null` = no cap), replaced whole.
 * - `contact_counts`: calls counted per (tenant, number, local day of the calling task's zone). The
 *   claim transaction takes the row (INSERT … ON CONFLICT DO UPDATE … WHERE calls < cap), so two
 *   replicas claiming the same number in the same instant serialise on it and a cap is never passed.
 *   `granted` is what the last claim was given (read in its RETURNING). Pruned after a few days.
 * - `call_attempts.counted_day`: the day an attempt was counted under; an attempt that goes back to
 *   the queue or ends without its INVITE gives its count back (every INVITE sent counts, no more).
 * - `tenant_limits`: the limits the dialer enforces from tenant.limits-updated (the highest
 *   `version` kept), with the tenant's token bucket for callsPerSecond.
 */
export class CapsAndLimits1765600000000 implements MigrationInterface {
  name = 'CapsAndLimits1765600000000';

  async up(qr: QueryRunner): Promise<void> {
    await qr.query(`
      CREATE TABLE IF NOT EXISTS contact_policies (
        tenant_id uuid PRIMARY KEY,
        max_calls smallint CHECK (max_calls BETWEEN 1 AND 10),
        max_sms smallint CHECK (max_sms BETWEEN 1 AND 10),
        updated_at timestamptz NOT NULL DEFAULT clock_timestamp()
      )`);
    await qr.query(`
      CREATE TABLE IF NOT EXISTS contact_counts (
        tenant_id uuid NOT NULL,
        phone text NOT NULL,
        day date NOT NULL,
        calls int NOT NULL,
        granted int NOT NULL DEFAULT 0,
        PRIMARY KEY (tenant_id, phone, day)
      )`);
    await qr.query(`CREATE INDEX IF NOT EXISTS contact_counts_day ON contact_counts (day)`);
    await qr.query(`ALTER TABLE call_attempts ADD COLUMN IF NOT EXISTS counted_day date`);
    await qr.query(`
      CREATE TABLE IF NOT EXISTS tenant_limits (
        tenant_id uuid PRIMARY KEY,
        version bigint NOT NULL,
        max_concurrent int,
        cps double precision,
        tokens double precision NOT NULL DEFAULT 0,
        last_refill timestamptz NOT NULL DEFAULT clock_timestamp(),
        updated_at timestamptz NOT NULL
      )`);
  }

  async down(): Promise<void> {
    // forward-only
  }
}
