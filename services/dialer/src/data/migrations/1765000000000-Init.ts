import type { MigrationInterface, QueryRunner } from 'typeorm';
import { createOutboxAndInbox } from '@autocall/db';

export class Init1765000000000 implements MigrationInterface {
  name = 'Init1765000000000';

  async up(qr: QueryRunner): Promise<void> {
    await createOutboxAndInbox(qr);
    // One row per task the dialer has heard of (task.created, or a hold/cancel RPC that came first).
    // The claim statement locks it: hold/cancel flags, limits and the token bucket live here.
    await qr.query(`
      CREATE TABLE tasks (
        task_id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        snapshot jsonb,
        status text NOT NULL DEFAULT 'scheduled',
        roster_id uuid,
        total int NOT NULL DEFAULT 0,
        started boolean NOT NULL DEFAULT false,
        held boolean NOT NULL DEFAULT false,
        cancelled boolean NOT NULL DEFAULT false,
        cancelled_count int,
        max_concurrent int NOT NULL DEFAULT 10,
        cps double precision NOT NULL DEFAULT 5,
        max_attempts int NOT NULL DEFAULT 1,
        retry_delay_minutes int NOT NULL DEFAULT 30,
        ring_timeout_seconds int NOT NULL DEFAULT 30,
        caller_id text,
        window_start text NOT NULL DEFAULT '00:00',
        window_end text NOT NULL DEFAULT '24:00',
        window_days int[] NOT NULL DEFAULT '{1,2,3,4,5,6,7}',
        timezone text NOT NULL DEFAULT 'Asia/Jakarta',
        recording_id uuid,
        recording_duration_ms int NOT NULL DEFAULT 0,
        tokens double precision NOT NULL DEFAULT 0,
        last_refill timestamptz NOT NULL DEFAULT clock_timestamp(),
        last_claim_at timestamptz,
        load_cursor int NOT NULL DEFAULT 0,
        loaded boolean NOT NULL DEFAULT false,
        loaded_count int NOT NULL DEFAULT 0,
        loading_by text,
        loading_until timestamptz,
        drained_at timestamptz,
        deleted_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await qr.query(`CREATE INDEX tasks_dialable ON tasks (last_claim_at) WHERE started AND NOT held AND NOT cancelled AND drained_at IS NULL AND deleted_at IS NULL`);
    await qr.query(`CREATE INDEX tasks_loading ON tasks (task_id) WHERE started AND NOT loaded AND NOT cancelled AND deleted_at IS NULL`);
    // One row per attempt to call a number. `dialing` is committed before the carrier is asked.
    await qr.query(`
      CREATE TABLE call_attempts (
        id uuid PRIMARY KEY,
        task_id uuid NOT NULL,
        phone text NOT NULL,
        row_number int NOT NULL,
        attempt int NOT NULL,
        status text NOT NULL CHECK (status IN ('queued', 'dialing', 'completed', 'cancelled')),
        final boolean NOT NULL DEFAULT false,
        due_at timestamptz NOT NULL,
        lease_until timestamptz,
        claimed_by text,
        outcome text CHECK (outcome IN ('answered', 'no_answer', 'busy', 'unavailable', 'failed')),
        hangup_by text,
        sip_code int,
        failure_reason text,
        started_at timestamptz,
        answered_at timestamptz,
        ended_at timestamptz,
        duration_ms int,
        name text,
        variables jsonb NOT NULL DEFAULT '{}',
        sms_kind text,
        sms_status text,
        UNIQUE (task_id, row_number, attempt)
      )`);
    await qr.query(`CREATE INDEX call_attempts_due ON call_attempts (task_id, due_at, id) WHERE status = 'queued'`);
    await qr.query(`CREATE INDEX call_attempts_dialing ON call_attempts (task_id) WHERE status = 'dialing'`);
    await qr.query(`CREATE INDEX call_attempts_lease ON call_attempts (lease_until) WHERE status = 'dialing'`);
    await qr.query(`CREATE INDEX call_attempts_list ON call_attempts (task_id, id)`);
    await qr.query(`CREATE INDEX call_attempts_final ON call_attempts (task_id, phone) WHERE final`);
    // What the simulated carrier was asked to place: tests count calls per number from it.
    await qr.query(`
      CREATE TABLE sim_calls (
        seq bigserial PRIMARY KEY,
        attempt_id uuid NOT NULL,
        phone text NOT NULL,
        attempt int NOT NULL,
        placed_by text NOT NULL,
        placed_at timestamptz NOT NULL DEFAULT clock_timestamp()
      )`);
    await qr.query(`CREATE INDEX sim_calls_attempt ON sim_calls (attempt_id)`);
  }

  async down(): Promise<void> {
    // forward-only
  }
}
