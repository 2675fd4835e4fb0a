import type { MigrationInterface, QueryRunner } from 'typeorm';
import { createOutboxAndInbox } from '@autocall/db';

export class Init1764100000000 implements MigrationInterface {
  name = 'Init1764100000000';

  async up(qr: QueryRunner): Promise<void> {
    await createOutboxAndInbox(qr);
    await qr.query(`
      CREATE TABLE recordings (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        name text NOT NULL,
        file_name text NOT NULL,
        size_bytes int NOT NULL,
        duration_ms int NOT NULL,
        bitrate_kbps int NOT NULL,
        sample_rate_hz int NOT NULL,
        channels int NOT NULL,
        status text NOT NULL CHECK (status IN ('ready')),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await qr.query(`CREATE INDEX recordings_tenant ON recordings (tenant_id, created_at DESC, id DESC)`);
    // The bytes live apart from the metadata so lists never read them. EXTERNAL storage (no
    // compression: MP3 and G.711 do not compress) lets substring() read a Range without the rest.
    await qr.query(`
      CREATE TABLE recording_files (
        recording_id uuid PRIMARY KEY REFERENCES recordings (id) ON DELETE CASCADE,
        original bytea NOT NULL,
        rendition_ulaw bytea NOT NULL,
        rendition_alaw bytea NOT NULL
      )`);
    await qr.query(`ALTER TABLE recording_files ALTER COLUMN original SET STORAGE EXTERNAL`);
    await qr.query(`ALTER TABLE recording_files ALTER COLUMN rendition_ulaw SET STORAGE EXTERNAL`);
    await qr.query(`ALTER TABLE recording_files ALTER COLUMN rendition_alaw SET STORAGE EXTERNAL`);
    // A task's use of a recording (recording.reserve); the delete transaction checks it, and the
    // foreign key refuses a delete that slipped past the check.
    await qr.query(`
      CREATE TABLE recording_usages (
        recording_id uuid NOT NULL REFERENCES recordings (id),
        task_id uuid NOT NULL,
        tenant_id uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (recording_id, task_id)
      )`);
    await qr.query(`CREATE INDEX recording_usages_task ON recording_usages (task_id)`);
  }

  async down(): Promise<void> {
    // forward-only
  }
}
