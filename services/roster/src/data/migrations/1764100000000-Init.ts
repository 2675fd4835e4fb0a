import type { MigrationInterface, QueryRunner } from 'typeorm';
import { createOutboxAndInbox } from '@autocall/db';

export class Init1764100000000 implements MigrationInterface {
  name = 'Init1764100000000';

  async up(qr: QueryRunner): Promise<void> {
    await createOutboxAndInbox(qr);
    await qr.query(`
      CREATE TABLE rosters (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        name text NOT NULL,
        description text,
        file_name text NOT NULL,
        size_bytes bigint NOT NULL,
        status text NOT NULL CHECK (status IN ('validating', 'ready', 'failed')),
        failure_reason text,
        processed_rows int NOT NULL DEFAULT 0,
        total_rows int NOT NULL DEFAULT 0,
        valid int NOT NULL DEFAULT 0,
        invalid int NOT NULL DEFAULT 0,
        duplicate int NOT NULL DEFAULT 0,
        columns text[] NOT NULL DEFAULT '{}',
        -- the import attempt whose entries and errors are the roster's (others are leftovers)
        attempt int NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await qr.query(`CREATE INDEX rosters_tenant ON rosters (tenant_id, created_at DESC, id DESC)`);
    // The stored upload, kept until its import ends.
    await qr.query(`CREATE TABLE roster_uploads (roster_id uuid PRIMARY KEY REFERENCES rosters (id) ON DELETE CASCADE, bytes bytea NOT NULL)`);
    // Durable import jobs: a replica claims one (FOR UPDATE SKIP LOCKED) with a lease it renews;
    // an expired lease is claimed again with attempt + 1.
    await qr.query(`
      CREATE TABLE roster_jobs (
        roster_id uuid PRIMARY KEY REFERENCES rosters (id) ON DELETE CASCADE,
        attempt int NOT NULL DEFAULT 0,
        claimed_by text,
        lease_until timestamptz,
        request_id text,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await qr.query(`CREATE INDEX roster_jobs_due ON roster_jobs (lease_until NULLS FIRST, created_at)`);
    // Entries and row errors carry the attempt that wrote them, so a crashed attempt's rows can
    // never mix with the attempt that finishes. No foreign key: COPY speed; deletes are explicit.
    await qr.query(`
      CREATE TABLE roster_entries (
        roster_id uuid NOT NULL,
        attempt int NOT NULL,
        row_number int NOT NULL,
        phone text NOT NULL,
        raw_phone text NOT NULL,
        name text,
        variables jsonb NOT NULL,
        PRIMARY KEY (roster_id, attempt, row_number)
      )`);
    await qr.query(`
      CREATE TABLE roster_errors (
        roster_id uuid NOT NULL,
        attempt int NOT NULL,
        row_number int NOT NULL,
        raw_phone text NOT NULL,
        reason text NOT NULL,
        PRIMARY KEY (roster_id, attempt, row_number)
      )`);
    await qr.query(`
      CREATE TABLE roster_usages (
        roster_id uuid NOT NULL REFERENCES rosters (id) ON DELETE CASCADE,
        task_id uuid NOT NULL,
        tenant_id uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (roster_id, task_id)
      )`);
    await qr.query(`CREATE INDEX roster_usages_task ON roster_usages (task_id)`);
  }

  async down(): Promise<void> {
    // forward-only
  }
}
