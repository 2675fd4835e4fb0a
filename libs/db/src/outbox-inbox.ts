import type { QueryRunner } from 'typeorm';

/**
 * The outbox (events written in the same transaction as the state change, published by a relay)
 * and the inbox (message ids a consumer already handled). Every service's first migration calls this.
 */
export async function createOutboxAndInbox(qr: QueryRunner): Promise<void> {
  await qr.query(`
    CREATE TABLE outbox (
      seq bigserial PRIMARY KEY,
      id uuid NOT NULL UNIQUE,
      name text NOT NULL,
      version int NOT NULL,
      payload jsonb NOT NULL,
      headers jsonb NOT NULL DEFAULT '{}',
      created_at timestamptz NOT NULL DEFAULT now(),
      attempts int NOT NULL DEFAULT 0,
      sent_at timestamptz
    )`);
  await qr.query(`CREATE INDEX outbox_pending ON outbox (seq) WHERE sent_at IS NULL`);
  await qr.query(`
    CREATE TABLE inbox (
      consumer text NOT NULL,
      message_id uuid NOT NULL,
      processed_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (consumer, message_id)
    )`);
}
