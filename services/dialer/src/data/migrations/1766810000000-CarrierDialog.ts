import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * No orphan calls (issue 18): `carrier_dialog` is what the carrier needs to end the attempt's call
 * from any process (SIP: Call-ID, tags, CSeq, branch, route set, remote target), written with
 * `sent_at` before the INVITE leaves and again when the call is answered; a result written by
 * the replica that placed the call clears it. An attempt settled `interrupted` keeps it until a
 * sweeping replica has sent the BYE/CANCEL (`hangup_until`: its claim on that; `hangup_tries`).
 */
export class CarrierDialog1766810000000 implements MigrationInterface {
  name = 'CarrierDialog1766810000000';

  async up(qr: QueryRunner): Promise<void> {
    await qr.query(`ALTER TABLE call_attempts ADD COLUMN IF NOT EXISTS carrier_dialog jsonb`);
    await qr.query(`ALTER TABLE call_attempts ADD COLUMN IF NOT EXISTS hangup_until timestamptz`);
    await qr.query(`ALTER TABLE call_attempts ADD COLUMN IF NOT EXISTS hangup_tries int NOT NULL DEFAULT 0`);
    // few rows: the calls in flight and the orphans not yet hung up
    await qr.query(`CREATE INDEX IF NOT EXISTS call_attempts_orphans ON call_attempts (status, hangup_until) WHERE carrier_dialog IS NOT NULL`);
  }

  async down(): Promise<void> {
    // forward-only
  }
}
