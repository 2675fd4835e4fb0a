import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `not_placed`: how many times an attempt went back to the queue because the carrier sent nothing
 * (its back-off grows with it).
 */
export class NotPlaced1765200000000 implements MigrationInterface {
  name = 'NotPlaced1765200000000';

  async up(qr: QueryRunner): Promise<void> {
    await qr.query(`ALTER TABLE call_attempts ADD COLUMN IF NOT EXISTS not_placed int NOT NULL DEFAULT 0`);
  }

  async down(): Promise<void> {
    // forward-only
  }
}
