import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The progress counter `invalid_number`: numbers that do not exist (no such subscriber), never retried. */
export class InvalidNumber1766800000000 implements MigrationInterface {
  name = 'InvalidNumber1766800000000';

  async up(qr: QueryRunner): Promise<void> {
    await qr.query(`ALTER TABLE tasks ADD COLUMN IF NOT EXISTS invalid_number int NOT NULL DEFAULT 0`);
  }

  async down(): Promise<void> {
    // forward-only
  }
}
