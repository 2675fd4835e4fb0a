import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The in-process bus's tables (schema `bus`). Before migrations, PgBus made these with DDL at
 * start-up; every statement here is that DDL, idempotent, so a `bus` schema made by it is adopted
 * as it stands (its pending messages and dead letters kept) and a new one is created whole.
 */
export class BusSchema1764000000000 implements MigrationInterface {
  name = 'BusSchema1764000000000';

  async up(qr: QueryRunner): Promise<void> {
    await qr.query(`CREATE SCHEMA IF NOT EXISTS bus`);
    await qr.query(`CREATE TABLE IF NOT EXISTS bus.bindings (queue text NOT NULL, routing_key text NOT NULL, PRIMARY KEY (routing_key, queue))`);
    await qr.query(`CREATE TABLE IF NOT EXISTS bus.messages (
      seq bigserial PRIMARY KEY, queue text NOT NULL, body jsonb NOT NULL, headers jsonb NOT NULL DEFAULT '{}',
      retries int NOT NULL DEFAULT 0, deliveries int NOT NULL DEFAULT 0,
      available_at timestamptz NOT NULL DEFAULT now())`);
    // a schema made before `claimed` and the dead letters' headers existed gets them here
    await qr.query(`ALTER TABLE bus.messages ADD COLUMN IF NOT EXISTS claimed boolean NOT NULL DEFAULT false`);
    await qr.query(`CREATE INDEX IF NOT EXISTS messages_ready ON bus.messages (queue, available_at, seq)`);
    await qr.query(`CREATE TABLE IF NOT EXISTS bus.dead_letters (seq bigint PRIMARY KEY, queue text NOT NULL, body jsonb, raw text, reason text, dead_at timestamptz NOT NULL DEFAULT now())`);
    await qr.query(`ALTER TABLE bus.dead_letters ADD COLUMN IF NOT EXISTS headers jsonb NOT NULL DEFAULT '{}'`);
  }

  async down(qr: QueryRunner): Promise<void> {
    await qr.query(`DROP SCHEMA IF EXISTS bus CASCADE`);
  }
}
