import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 13: users and their sessions, roles on users and API keys, login failures (the login rate
 * limits, counted here so that every replica agrees) and the append-only audit log. A session
 * ended or deleted, and a user changed or deleted, notify the replicas (channel
 * `gateway_sessions`, payload `s:<session id>` or `u:<user id>`) as API keys do.
 */
export class People1764400000000 implements MigrationInterface {
  name = 'People1764400000000';

  async up(qr: QueryRunner): Promise<void> {
    await qr.query(`
      CREATE TABLE users (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants (id),
        email text NOT NULL,
        name text NOT NULL,
        role text NOT NULL CHECK (role IN ('viewer', 'operator', 'admin', 'owner')),
        password_hash text NOT NULL,
        disabled boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await qr.query(`CREATE UNIQUE INDEX users_email ON users (lower(email))`);
    await qr.query(`CREATE INDEX users_tenant ON users (tenant_id, created_at DESC, id DESC)`);
    await qr.query(`
      CREATE TABLE sessions (
        id uuid PRIMARY KEY,
        token_hash bytea NOT NULL UNIQUE,
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        tenant_id uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_seen_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        ended_at timestamptz
      )`);
    await qr.query(`CREATE INDEX sessions_user ON sessions (user_id) WHERE ended_at IS NULL`);
    await qr.query(`CREATE INDEX sessions_expires ON sessions (expires_at)`);
    await qr.query(`
      CREATE TABLE login_failures (
        id bigserial PRIMARY KEY,
        email text NOT NULL,
        address text NOT NULL,
        at timestamptz NOT NULL DEFAULT now()
      )`);
    await qr.query(`CREATE INDEX login_failures_email ON login_failures (email, at)`);
    await qr.query(`CREATE INDEX login_failures_address ON login_failures (address, at)`);
    await qr.query(`ALTER TABLE api_keys ADD COLUMN name text, ADD COLUMN role text NOT NULL DEFAULT 'owner' CHECK (role IN ('viewer', 'operator', 'admin', 'owner')), ADD COLUMN created_by uuid`);
    // one function for both triggers; its argument is the payload's prefix
    await qr.query(`
      CREATE FUNCTION sessions_notify() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('gateway_sessions', TG_ARGV[0] || OLD.id::text);
        RETURN NULL;
      END $$`);
    await qr.query(`CREATE TRIGGER sessions_notify AFTER UPDATE OF ended_at, token_hash, user_id OR DELETE ON sessions FOR EACH ROW EXECUTE FUNCTION sessions_notify('s:')`);
    await qr.query(`CREATE TRIGGER users_notify AFTER UPDATE OF role, disabled, password_hash, tenant_id, email, name OR DELETE ON users FOR EACH ROW EXECUTE FUNCTION sessions_notify('u:')`);
    // Append-only: rows are inserted `pending` before the request runs and settled with its status
    // once; only the retention purge deletes.
    await qr.query(`
      CREATE TABLE audit_events (
        id uuid PRIMARY KEY,
        tenant_id uuid,
        -- milliseconds, as the API shows them, so that a keyset cursor made from a shown time is exact
        at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', clock_timestamp()),
        actor_type text NOT NULL CHECK (actor_type IN ('user', 'apiKey', 'admin', 'system')),
        actor_id text,
        actor_label text,
        action text NOT NULL,
        resource_type text,
        resource_id text,
        status int,
        request_id text,
        ip text,
        user_agent text
      )`);
    await qr.query(`CREATE INDEX audit_events_tenant ON audit_events (tenant_id, at DESC, id DESC)`);
    await qr.query(`CREATE INDEX audit_events_at ON audit_events (at DESC, id DESC)`);
  }

  async down(): Promise<void> {
    // forward-only
  }
}
