import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The dialing policy in the task service: the progress counters `suppressed` (listed when its turn
 * came) and `expired` (pending at the end time), and `tenant_calendars`, a copy of each tenant's
 * blackout dates (from the dialer's calendar.updated) that `nextCallAt` skips.
 */
export class DialingPolicy1764400000000 implements MigrationInterface {
  name = 'DialingPolicy1764400000000';

  async up(qr: QueryRunner): Promise<void> {
    await qr.query(`ALTER TABLE tasks ADD COLUMN IF NOT EXISTS suppressed int NOT NULL DEFAULT 0`);
    await qr.query(`ALTER TABLE tasks ADD COLUMN IF NOT EXISTS expired int NOT NULL DEFAULT 0`);
    await qr.query(`
      CREATE TABLE IF NOT EXISTS tenant_calendars (
        tenant_id uuid PRIMARY KEY,
        blackouts jsonb NOT NULL,
        updated_at timestamptz NOT NULL
      )`);
  }

  async down(): Promise<void> {
    // forward-only
  }
}
