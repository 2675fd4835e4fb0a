import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Versioned control (ARCHITECTURE.md "Task control is versioned"):
 * - `tasks.control_generation`: the generation of the last hold/release/cancel applied; a command
 *   whose generation is not higher changes nothing (0: none yet, the only state a v1 command may change);
 * - `call_attempts.sent_at`: when the call's first request left (committed with the pre-INVITE
 *   check), so a cancel tells a claimed attempt that was never placed (→ `cancelled`) from a call
 *   in flight (→ its own outcome). Attempts `dialing` when this runs are backfilled as sent.
 */
export class ControlGeneration1765400000000 implements MigrationInterface {
  name = 'ControlGeneration1765400000000';

  async up(qr: QueryRunner): Promise<void> {
    await qr.query(`ALTER TABLE tasks ADD COLUMN IF NOT EXISTS control_generation bigint NOT NULL DEFAULT 0`);
    await qr.query(`ALTER TABLE call_attempts ADD COLUMN IF NOT EXISTS sent_at timestamptz`);
    // calls in flight now were placed by code that did not record sent_at: they count as sent, so a
    // cancel does not take them for never placed (and drop their results)
    await qr.query(`UPDATE call_attempts SET sent_at = COALESCE(started_at, now()) WHERE status = 'dialing' AND sent_at IS NULL`);
  }

  async down(): Promise<void> {
    // forward-only
  }
}
