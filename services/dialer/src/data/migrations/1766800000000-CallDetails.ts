import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the SIP carrier heard on a call (issue 18): `answered_by` (answering-machine detection),
 * `dtmf` (the keys pressed while the recording played) and `tags` (set by the task's DTMF rules).
 * The outcome check already allows `invalid_number`.
 */
export class CallDetails1766800000000 implements MigrationInterface {
  name = 'CallDetails1766800000000';

  async up(qr: QueryRunner): Promise<void> {
    await qr.query(`ALTER TABLE call_attempts ADD COLUMN IF NOT EXISTS answered_by text CHECK (answered_by IN ('human', 'machine', 'unknown'))`);
    await qr.query(`ALTER TABLE call_attempts ADD COLUMN IF NOT EXISTS dtmf text`);
    await qr.query(`ALTER TABLE call_attempts ADD COLUMN IF NOT EXISTS tags text[] NOT NULL DEFAULT '{}'`);
  }

  async down(): Promise<void> {
    // forward-only
  }
}
