import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Idempotency records whose stored body is encrypted (the admin's answers, which hold a new API key):
 * `body` is then iv ‖ tag ‖ AES-256-GCM ciphertext under a key derived from ADMIN_TOKEN.
 */
export class IdempotencySealedBody1764300000000 implements MigrationInterface {
  name = 'IdempotencySealedBody1764300000000';

  async up(qr: QueryRunner): Promise<void> {
    await qr.query(`ALTER TABLE idempotency_keys ADD COLUMN body_sealed boolean NOT NULL DEFAULT false`);
  }

  async down(): Promise<void> {
    // forward-only
  }
}
