import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `not_placed`: how many times an attempt went back to the queue because the carrier sent nothing
 * (its back-off grows with it). `roster_refused_at`: when the roster's owner refused the roster for
 * good; the task's remaining numbers were settled then and no retry is queued after it.
 */
export class NotPlaced1765200000000 implements MigrationInterface {
  name = 'NotPlaced1765200000000';

  async up(qr: QueryRunner): Promise<void> {
    await qr.query(`ALTER TABLE call_attempts ADD COLUMN IF NOT EXISTS not_placed int NOT NULL DEFAULT 0`);
    await qr.query(`ALTER TABLE tasks ADD COLUMN IF NOT EXISTS roster_refused_at timestamptz`);
  }

  async down(): Promise<void> {
    // forward-only
  }
}
