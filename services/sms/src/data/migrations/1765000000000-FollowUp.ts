import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Follow-up SMS: the tasks' SMS settings (from task events), the messages, the simulated provider's record. */
export class FollowUp1765000000000 implements MigrationInterface {
  name = 'FollowUp1765000000000';

  async up(qr: QueryRunner): Promise<void> {
    // Latest snapshot of each task's name and SMS settings, as carried by task.* events.
    await qr.query(`
      CREATE TABLE tasks (
        task_id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        name text NOT NULL,
        sms jsonb NOT NULL,
        occurred_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await qr.query(`
      CREATE TABLE messages (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        task_id uuid NOT NULL,
        phone text NOT NULL,
        kind text NOT NULL CHECK (kind IN ('disconnect', 'unanswered')),
        status text NOT NULL CHECK (status IN ('queued', 'sent', 'failed', 'skipped')),
        text text NOT NULL,
        segments int NOT NULL,
        template_id uuid,
        failure_reason text,
        call_attempt_id uuid,
        attempts int NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        lease_until timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        sent_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT messages_one_per_kind UNIQUE (task_id, phone, kind)
      )`);
    await qr.query(`CREATE INDEX messages_tenant ON messages (tenant_id, id DESC)`);
    await qr.query(`CREATE INDEX messages_tenant_task ON messages (tenant_id, task_id, id DESC)`);
    await qr.query(`CREATE INDEX messages_due ON messages (next_attempt_at) WHERE status = 'queued'`);
    // What the simulated provider "sent": one row per message id (it deduplicates on it, as a
    // well-behaved provider does with an idempotency key); requests counts every send request.
    await qr.query(`
      CREATE TABLE simulated_outbox (
        message_id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        task_id uuid NOT NULL,
        phone text NOT NULL,
        kind text NOT NULL,
        sender_id text NOT NULL,
        text text NOT NULL,
        requests int NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await qr.query(`CREATE INDEX simulated_outbox_task ON simulated_outbox (task_id)`);
  }

  async down(): Promise<void> {
    // forward-only
  }
}
