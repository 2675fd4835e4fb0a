import type { MigrationInterface, QueryRunner } from 'typeorm';
import { createOutboxAndInbox } from '@autocall/db';

export class Init1764000000000 implements MigrationInterface {
  name = 'Init1764000000000';

  async up(qr: QueryRunner): Promise<void> {
    await createOutboxAndInbox(qr);
    await qr.query(`
      CREATE TABLE templates (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL,
        name text NOT NULL,
        content text NOT NULL,
        variables text[] NOT NULL,
        encoding text NOT NULL,
        segments int NOT NULL,
        status text NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
        rejection_reason text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await qr.query(`CREATE INDEX templates_tenant ON templates (tenant_id, id DESC)`);
    await qr.query(`CREATE INDEX templates_pending ON templates (status, id DESC)`);
    await qr.query(`
      CREATE TABLE template_usages (
        template_id uuid NOT NULL,
        task_id uuid NOT NULL,
        tenant_id uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (template_id, task_id)
      )`);
    await qr.query(`CREATE INDEX template_usages_task ON template_usages (task_id)`);
    await qr.query(`
      CREATE TABLE accounts (
        tenant_id uuid PRIMARY KEY,
        provider text NOT NULL,
        sender_id text NOT NULL,
        status text NOT NULL,
        settings jsonb NOT NULL DEFAULT '{}',
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(): Promise<void> {
    // forward-only
  }
}
