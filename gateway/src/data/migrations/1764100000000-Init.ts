import type { MigrationInterface, QueryRunner } from 'typeorm';
import { createOutboxAndInbox } from '@autocall/db';

export class Init1764100000000 implements MigrationInterface {
  name = 'Init1764100000000';

  async up(qr: QueryRunner): Promise<void> {
    await createOutboxAndInbox(qr);
    await qr.query(`
      CREATE TABLE tenants (
        id uuid PRIMARY KEY,
        name text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await qr.query(`CREATE INDEX tenants_created ON tenants (created_at DESC, id DESC)`);
    await qr.query(`
      CREATE TABLE api_keys (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants (id),
        key_hash bytea NOT NULL UNIQUE,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz,
        revoked_at timestamptz
      )`);
    await qr.query(`CREATE INDEX api_keys_tenant ON api_keys (tenant_id, created_at)`);
    // One row per (tenant, Idempotency-Key), inserted before the request is proxied: the unique
    // key is what makes any number of gateway replicas agree on who runs the request.
    await qr.query(`
      CREATE TABLE idempotency_keys (
        tenant_id uuid NOT NULL,
        key text NOT NULL,
        owner uuid NOT NULL,
        method text NOT NULL,
        path text NOT NULL,
        fingerprint text,
        state text NOT NULL CHECK (state IN ('in_flight', 'complete')),
        status int,
        headers jsonb,
        body bytea,
        created_at timestamptz NOT NULL DEFAULT now(),
        completed_at timestamptz,
        PRIMARY KEY (tenant_id, key)
      )`);
    await qr.query(`CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at)`);
  }

  async down(): Promise<void> {
    // forward-only
  }
}
