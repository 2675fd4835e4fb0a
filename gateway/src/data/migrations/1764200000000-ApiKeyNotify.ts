import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Gateway replicas cache live API keys; every revocation, change or deletion of a key notifies them
 * (channel `gateway_api_keys`, payload the key id) when it commits, whoever makes it: the admin API
 * of any replica or an operator's SQL. `last_used_at` updates do not notify.
 */
export class ApiKeyNotify1764200000000 implements MigrationInterface {
  name = 'ApiKeyNotify1764200000000';

  async up(qr: QueryRunner): Promise<void> {
    await qr.query(`
      CREATE FUNCTION api_keys_notify() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('gateway_api_keys', OLD.id::text);
        RETURN NULL;
      END $$`);
    await qr.query(`
      CREATE TRIGGER api_keys_notify AFTER UPDATE OF revoked_at, key_hash, tenant_id, id OR DELETE ON api_keys
      FOR EACH ROW EXECUTE FUNCTION api_keys_notify()`);
  }

  async down(): Promise<void> {
    // forward-only
  }
}
