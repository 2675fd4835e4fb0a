import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The stored upload in 4 MiB parts instead of one bytea: writing or reading a 24 MB value in one
 * statement made the driver build ~50 MB of buffers (hex text, message copies) that lingered in
 * the service's heap through the import; a part at a time keeps that to a few MB. Parts are
 * stored EXTERNAL (an xlsx is compressed already: no pglz attempt).
 */
export class UploadParts1764200000000 implements MigrationInterface {
  name = 'UploadParts1764200000000';

  async up(qr: QueryRunner): Promise<void> {
    await qr.query(`
      CREATE TABLE roster_upload_parts (
        roster_id uuid NOT NULL REFERENCES rosters (id) ON DELETE CASCADE,
        seq int NOT NULL,
        bytes bytea NOT NULL,
        PRIMARY KEY (roster_id, seq)
      )`);
    await qr.query(`ALTER TABLE roster_upload_parts ALTER COLUMN bytes SET STORAGE EXTERNAL`);
    await qr.query(`INSERT INTO roster_upload_parts (roster_id, seq, bytes) SELECT roster_id, 0, bytes FROM roster_uploads`);
    await qr.query(`DROP TABLE roster_uploads`);
  }

  async down(qr: QueryRunner): Promise<void> {
    await qr.query(`CREATE TABLE roster_uploads (roster_id uuid PRIMARY KEY REFERENCES rosters (id) ON DELETE CASCADE, bytes bytea NOT NULL)`);
    await qr.query(`INSERT INTO roster_uploads (roster_id, bytes) SELECT roster_id, string_agg(bytes, ''::bytea ORDER BY seq) FROM roster_upload_parts GROUP BY roster_id`);
    await qr.query(`DROP TABLE roster_upload_parts`);
  }
}
