import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `not_placed_failed`: of an attempt's unplaced tries (`not_placed`), those that failed — the
 * recording could not be loaded, the carrier could not be set up — rather than waited for capacity
 * (no free channel or RTP port, shutting down) or a hold. DIALER_NOT_PLACED_MAX_TRIES caps these:
 * the attempt is then settled failed, so the task can drain.
 */
export class NotPlacedFailed1765300000000 implements MigrationInterface {
  name = 'NotPlacedFailed1765300000000';

  async up(qr: QueryRunner): Promise<void> {
    await qr.query(`ALTER TABLE call_attempts ADD COLUMN IF NOT EXISTS not_placed_failed int NOT NULL DEFAULT 0`);
  }

  async down(): Promise<void> {
    // forward-only
  }
}
