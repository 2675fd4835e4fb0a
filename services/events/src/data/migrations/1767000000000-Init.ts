import type { MigrationInterface, QueryRunner } from 'typeorm';
import { createOutboxAndInbox } from '@autocall/db';

export class Init1767000000000 implements MigrationInterface {
  name = 'Init1767000000000';

  async up(qr: QueryRunner): Promise<void> {
    await createOutboxAndInbox(qr);
    // The last sequence number given to each tenant's events (the stream replays in this order).
    await qr.query(`CREATE TABLE tenant_sequences (tenant_id uuid PRIMARY KEY, last_seq bigint NOT NULL)`);
    // Recent events, kept EVENTS_RETENTION_HOURS; `body` is the public event's JSON as sent.
    await qr.query(`
      CREATE TABLE events (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        seq bigint NOT NULL,
        type text NOT NULL,
        task_id uuid,
        created_at timestamptz NOT NULL,
        stored_at timestamptz NOT NULL DEFAULT now(),
        body text NOT NULL,
        UNIQUE (tenant_id, seq)
      )`);
    await qr.query(`CREATE INDEX events_stored ON events (stored_at)`);
    await qr.query(`
      CREATE TABLE webhooks (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        url text NOT NULL,
        events text[] NOT NULL,
        description text,
        enabled boolean NOT NULL,
        disabled_reason text,
        secret text NOT NULL,
        previous_secret text,
        previous_secret_expires_at timestamptz,
        failing_since timestamptz,
        claimed_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await qr.query(`CREATE INDEX webhooks_tenant ON webhooks (tenant_id, created_at DESC, id DESC)`);
    // One row per (endpoint, event): the fan-out is idempotent. A claim sets lease_until and
    // lease_token; a settle is fenced by the token, so a replica whose lease lapsed settles nothing.
    await qr.query(`
      CREATE TABLE deliveries (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        webhook_id uuid NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
        event_id uuid NOT NULL,
        event_type text NOT NULL,
        body text NOT NULL,
        status text NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
        attempts int NOT NULL DEFAULT 0,
        retry_base int NOT NULL DEFAULT 0,
        next_attempt_at timestamptz,
        lease_until timestamptz,
        lease_token uuid,
        last_status_code int,
        last_error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        delivered_at timestamptz,
        finished_at timestamptz,
        UNIQUE (webhook_id, event_id)
      )`);
    await qr.query(`CREATE INDEX deliveries_due ON deliveries (webhook_id, next_attempt_at) WHERE status = 'pending'`);
    await qr.query(`CREATE INDEX deliveries_list ON deliveries (webhook_id, created_at DESC, id DESC)`);
    await qr.query(`CREATE INDEX deliveries_finished ON deliveries (finished_at) WHERE status <> 'pending'`);
  }

  async down(): Promise<void> {
    // forward-only
  }
}
