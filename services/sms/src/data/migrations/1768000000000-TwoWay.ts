import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Two-way SMS (issue 17): delivery states and receipts, the account's callback token and opt-out
 * settings, inbound messages, and replies sent back (`reply`, `optOutReply`, which need no task).
 */
export class TwoWay1768000000000 implements MigrationInterface {
  name = 'TwoWay1768000000000';

  async up(qr: QueryRunner): Promise<void> {
    await qr.query(`ALTER TABLE messages DROP CONSTRAINT IF EXISTS messages_status_check`);
    await qr.query(`ALTER TABLE messages ADD CONSTRAINT messages_status_check CHECK (status IN ('queued', 'sent', 'delivered', 'undelivered', 'failed', 'skipped'))`);
    await qr.query(`ALTER TABLE messages DROP CONSTRAINT IF EXISTS messages_kind_check`);
    await qr.query(`ALTER TABLE messages ADD CONSTRAINT messages_kind_check CHECK (kind IN ('disconnect', 'unanswered', 'reply', 'optOutReply'))`);
    await qr.query(`ALTER TABLE messages ALTER COLUMN task_id DROP NOT NULL`);
    await qr.query(`ALTER TABLE messages ADD COLUMN IF NOT EXISTS delivered_at timestamptz, ADD COLUMN IF NOT EXISTS delivery_error text`);
    // a reply (to one inbound message) and an opt-out confirmation (once per number) are each sent once
    await qr.query(`ALTER TABLE messages ADD COLUMN IF NOT EXISTS inbound_id uuid`);
    await qr.query(`CREATE UNIQUE INDEX IF NOT EXISTS messages_one_reply ON messages (inbound_id) WHERE inbound_id IS NOT NULL`);
    await qr.query(`CREATE UNIQUE INDEX IF NOT EXISTS messages_one_opt_out_reply ON messages (tenant_id, phone) WHERE kind = 'optOutReply'`);
    // the latest SMS of a tenant to a number (a reply's match)
    await qr.query(`CREATE INDEX IF NOT EXISTS messages_tenant_phone_sent ON messages (tenant_id, phone, sent_at DESC) WHERE sent_at IS NOT NULL`);
    await qr.query(`ALTER TABLE accounts ADD COLUMN IF NOT EXISTS callback_token text, ADD COLUMN IF NOT EXISTS opt_out_keywords text[], ADD COLUMN IF NOT EXISTS opt_out_reply_template_id uuid`);
    await qr.query(`CREATE UNIQUE INDEX IF NOT EXISTS accounts_callback_token ON accounts (callback_token)`);
    // every receipt as it arrived (the same message, part and status once); applied once its message has settled
    await qr.query(`
      CREATE TABLE IF NOT EXISTS delivery_receipts (
        tenant_id uuid NOT NULL,
        message_id uuid NOT NULL,
        part int NOT NULL DEFAULT 0,
        status text NOT NULL CHECK (status IN ('delivered', 'undelivered')),
        error_code text,
        reported_at timestamptz,
        received_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (message_id, part, status)
      )`);
    await qr.query(`
      CREATE TABLE IF NOT EXISTS inbound_messages (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        dedupe_key text NOT NULL,
        provider_id text,
        phone text NOT NULL,
        to_number text,
        text text NOT NULL,
        reported_at timestamptz,
        received_at timestamptz NOT NULL DEFAULT now(),
        task_id uuid,
        message_id uuid,
        action_type text NOT NULL DEFAULT 'none' CHECK (action_type IN ('none', 'tag', 'optOut')),
        tag text,
        reply_template_id uuid,
        -- the action's side effects (DNC, the reply) are done after the commit that stored it, by the inbound worker
        pending boolean NOT NULL DEFAULT false,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        attempts int NOT NULL DEFAULT 0,
        CONSTRAINT inbound_once UNIQUE (tenant_id, dedupe_key)
      )`);
    await qr.query(`CREATE INDEX IF NOT EXISTS inbound_tenant ON inbound_messages (tenant_id, id DESC)`);
    await qr.query(`CREATE INDEX IF NOT EXISTS inbound_pending ON inbound_messages (next_attempt_at) WHERE pending`);
    // numbers this service saw opt out (its own record: no SMS of any kind goes to them)
    await qr.query(`
      CREATE TABLE IF NOT EXISTS opt_outs (
        tenant_id uuid NOT NULL,
        phone text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, phone)
      )`);
    // the simulated provider's receipts: reported once each, SMS_SIM_DLR_MS after the send
    await qr.query(`ALTER TABLE simulated_outbox ADD COLUMN IF NOT EXISTS receipt_at timestamptz`);
    await qr.query(`CREATE INDEX IF NOT EXISTS simulated_outbox_receipt_due ON simulated_outbox (created_at) WHERE receipt_at IS NULL`);
    await qr.query(`ALTER TABLE simulated_outbox ALTER COLUMN task_id DROP NOT NULL`);
  }

  async down(): Promise<void> {
    // forward-only
  }
}
