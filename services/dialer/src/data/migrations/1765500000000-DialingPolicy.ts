import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The dialing policy's data (API.md "Do-not-call list, calendar and contact policy"):
 * - `dnc_entries`: the tenant's do-not-call list, one row per E.164 number. Its primary key
 *   (tenant_id, phone) is what the claim statement and the pre-INVITE check look a number up by;
 *   `seq` orders the list newest first (keyset, stable under inserts).
 * - `blackouts` (and `calendars`, when each tenant's was last replaced): the tenant's blackout
 *   dates as inclusive ranges of local dates, read in each task's zone by the claim statement.
 * - `tasks.skip_blackouts`: the task's `dialing.skipBlackouts` (default true); `tasks.retry`: its
 *   `dialing.retry` (per outcome: maxAttempts, delayMinutes); `tasks.end_at` its `dialing.endAt`,
 *   `expired_at` when its pending numbers were first made `expired`, `expired_unloaded` how many
 *   of them were never loaded from the roster (counted in its drain).
 * - outcomes `suppressed` (listed when its turn came) and `expired` (pending at the end time):
 *   attempts settled without a call.
 */
export class DialingPolicy1765500000000 implements MigrationInterface {
  name = 'DialingPolicy1765500000000';

  async up(qr: QueryRunner): Promise<void> {
    await qr.query(`
      CREATE TABLE IF NOT EXISTS dnc_entries (
        tenant_id uuid NOT NULL,
        phone text NOT NULL,
        raw_phone text NOT NULL,
        reason text,
        source text NOT NULL CHECK (source IN ('api', 'import', 'sms-reply', 'dtmf')),
        created_by text,
        created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        seq bigint GENERATED ALWAYS AS IDENTITY,
        PRIMARY KEY (tenant_id, phone)
      )`);
    await qr.query(`CREATE INDEX IF NOT EXISTS dnc_entries_list ON dnc_entries (tenant_id, seq DESC)`);
    await qr.query(`
      CREATE TABLE IF NOT EXISTS calendars (
        tenant_id uuid PRIMARY KEY,
        updated_at timestamptz NOT NULL DEFAULT clock_timestamp()
      )`);
    await qr.query(`
      CREATE TABLE IF NOT EXISTS blackouts (
        tenant_id uuid NOT NULL REFERENCES calendars (tenant_id) ON DELETE CASCADE,
        position int NOT NULL,
        from_date date NOT NULL,
        to_date date NOT NULL CHECK (to_date >= from_date),
        single boolean NOT NULL,
        name text NOT NULL,
        PRIMARY KEY (tenant_id, position)
      )`);
    await qr.query(`CREATE INDEX IF NOT EXISTS blackouts_dates ON blackouts (tenant_id, from_date, to_date)`);
    await qr.query(`ALTER TABLE tasks ADD COLUMN IF NOT EXISTS skip_blackouts boolean NOT NULL DEFAULT true`);
    await qr.query(`ALTER TABLE tasks ADD COLUMN IF NOT EXISTS retry jsonb NOT NULL DEFAULT '{}'`);
    await qr.query(`ALTER TABLE tasks ADD COLUMN IF NOT EXISTS end_at timestamptz`);
    await qr.query(`ALTER TABLE tasks ADD COLUMN IF NOT EXISTS expired_at timestamptz`);
    await qr.query(`ALTER TABLE tasks ADD COLUMN IF NOT EXISTS expired_unloaded int NOT NULL DEFAULT 0`);
    await qr.query(`CREATE INDEX IF NOT EXISTS tasks_end ON tasks (end_at) WHERE end_at IS NOT NULL AND drained_at IS NULL AND NOT cancelled`);
    await qr.query(`ALTER TABLE call_attempts DROP CONSTRAINT IF EXISTS call_attempts_outcome_check`);
    await qr.query(
      `ALTER TABLE call_attempts ADD CONSTRAINT call_attempts_outcome_check CHECK (outcome IN ('answered', 'no_answer', 'busy', 'unavailable', 'invalid_number', 'failed', 'suppressed', 'expired'))`,
    );
  }

  async down(): Promise<void> {
    // forward-only
  }
}
