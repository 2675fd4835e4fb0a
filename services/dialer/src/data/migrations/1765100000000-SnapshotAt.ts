import type { MigrationInterface, QueryRunner } from 'typeorm';

/** When the applied task snapshot happened, so an older event never overwrites a newer one. */
export class SnapshotAt1765100000000 implements MigrationInterface {
  name = 'SnapshotAt1765100000000';

  async up(qr: QueryRunner): Promise<void> {
    await qr.query(`ALTER TABLE tasks ADD COLUMN IF NOT EXISTS snapshot_at timestamptz`);
  }

  async down(): Promise<void> {
    // forward-only
  }
}
