import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * DNC changes as events (`dnc.changed`): `dnc_versions` numbers every change of a tenant's list,
 * drawn under the list's lock, so a consumer keeps the newest per number whatever order events
 * arrive in. The numbers already listed are announced once here, through the outbox (5000 a
 * message), so the sms service's copy starts with the whole list.
 */
export class DncChanges1766900000000 implements MigrationInterface {
  name = 'DncChanges1766900000000';

  async up(qr: QueryRunner): Promise<void> {
    await qr.query(`CREATE SEQUENCE IF NOT EXISTS dnc_versions`);
    await qr.query(`
      INSERT INTO outbox (id, name, version, payload, created_at)
      SELECT gen_random_uuid(), 'dnc.changed', 1,
             jsonb_build_object('tenantId', tenant_id, 'phones', jsonb_agg(phone), 'listed', true, 'version', nextval('dnc_versions'),
                                'changedAt', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')),
             clock_timestamp()
        FROM (SELECT tenant_id, phone, (row_number() OVER (PARTITION BY tenant_id ORDER BY seq) - 1) / 5000 AS chunk FROM dnc_entries) e
       GROUP BY tenant_id, chunk`);
  }

  async down(): Promise<void> {
    // forward-only
  }
}
