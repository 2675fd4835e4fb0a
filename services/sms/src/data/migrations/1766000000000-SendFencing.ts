import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 11 item 8: each claim of a message writes a random token that settling must present (a
 * replica whose lease lapsed cannot overwrite the one that holds the claim now), and each message
 * knows until when it may still be sent (its call's end + SMS_MAX_DELAY_HOURS; null: no limit).
 */
export class SendFencing1766000000000 implements MigrationInterface {
  name = 'SendFencing1766000000000';

  async up(qr: QueryRunner): Promise<void> {
    await qr.query(`ALTER TABLE messages ADD COLUMN claim_token uuid, ADD COLUMN send_by timestamptz`);
  }

  async down(): Promise<void> {
    // forward-only
  }
}
