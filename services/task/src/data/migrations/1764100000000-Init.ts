import type { MigrationInterface, QueryRunner } from 'typeorm';
import { createOutboxAndInbox } from '@autocall/db';

export class Init1764100000000 implements MigrationInterface {
  name = 'Init1764100000000';

  async up(qr: QueryRunner): Promise<void> {
    await createOutboxAndInbox(qr);
    await qr.query(`
      CREATE TABLE tasks (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        name text NOT NULL,
        status text NOT NULL CHECK (status IN ('scheduled', 'running', 'paused', 'completed', 'cancelled')),
        recording_id uuid NOT NULL,
        recording_duration_ms int NOT NULL,
        roster_id uuid NOT NULL,
        roster_columns text[] NOT NULL DEFAULT '{}',
        total int NOT NULL,
        start_mode text NOT NULL CHECK (start_mode IN ('immediate', 'scheduled')),
        start_at timestamptz NOT NULL,
        timezone text NOT NULL,
        sms jsonb NOT NULL,
        dialing jsonb NOT NULL,
        answered int NOT NULL DEFAULT 0,
        no_answer int NOT NULL DEFAULT 0,
        busy int NOT NULL DEFAULT 0,
        unavailable int NOT NULL DEFAULT 0,
        failed int NOT NULL DEFAULT 0,
        cancelled int NOT NULL DEFAULT 0,
        sms_sent int NOT NULL DEFAULT 0,
        sms_failed int NOT NULL DEFAULT 0,
        final_count int,
        started_at timestamptz,
        paused_at timestamptz,
        completed_at timestamptz,
        cancelled_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await qr.query(`CREATE INDEX tasks_tenant ON tasks (tenant_id, created_at DESC, id DESC)`);
    // the scheduler's claim: due scheduled tasks only
    await qr.query(`CREATE INDEX tasks_due ON tasks (start_at) WHERE status = 'scheduled'`);
    // one row per roster number that reached its final outcome: a number counts once, by its latest final attempt
    await qr.query(`
      CREATE TABLE task_numbers (
        task_id uuid NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
        phone text NOT NULL,
        outcome text NOT NULL,
        attempt int NOT NULL,
        PRIMARY KEY (task_id, phone)
      )`);
    // one row per (number, SMS kind): the latest end state counts
    await qr.query(`
      CREATE TABLE task_sms (
        task_id uuid NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
        phone text NOT NULL,
        kind text NOT NULL,
        status text NOT NULL,
        PRIMARY KEY (task_id, phone, kind)
      )`);
    // references a failed creation may have left with their owners: released again after the RPC timeout
    await qr.query(`
      CREATE TABLE reservation_cleanups (
        task_id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        due_at timestamptz NOT NULL,
        attempts int NOT NULL DEFAULT 0
      )`);
  }

  async down(): Promise<void> {
    // forward-only
  }
}
