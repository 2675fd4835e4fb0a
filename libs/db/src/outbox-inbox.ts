import type { DataSource, QueryRunner } from 'typeorm';

/**
 * The outbox (events written in the same transaction as the state change, published by a relay)
 * and the inbox (message ids a consumer already handled). Every service's first migration calls this.
 */
export async function createOutboxAndInbox(qr: QueryRunner): Promise<void> {
  await qr.query(`
    CREATE TABLE outbox (
      seq bigserial PRIMARY KEY,
      id uuid NOT NULL UNIQUE,
      name text NOT NULL,
      version int NOT NULL,
      payload jsonb NOT NULL,
      headers jsonb NOT NULL DEFAULT '{}',
      created_at timestamptz NOT NULL DEFAULT now(),
      attempts int NOT NULL DEFAULT 0,
      sent_at timestamptz
    )`);
  await qr.query(`CREATE INDEX outbox_pending ON outbox (seq) WHERE sent_at IS NULL`);
  await qr.query(`
    CREATE TABLE inbox (
      consumer text NOT NULL,
      message_id uuid NOT NULL,
      processed_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (consumer, message_id)
    )`);
}

/**
 * The index the inbox's pruning reads (processed_at). Made outside the migrations, once per schema
 * under migrate()'s advisory lock, so every service gets it without a migration of its own;
 * CONCURRENTLY, so a large inbox keeps taking writes while it is built.
 */
export async function ensureInboxIndex(qr: QueryRunner, schema: string): Promise<void> {
  const [{ inbox, valid }] = (await qr.query(
    `SELECT to_regclass(format('%I.inbox', $1::text)) IS NOT NULL AS inbox,
            (SELECT i.indisvalid FROM pg_index i WHERE i.indexrelid = to_regclass(format('%I.inbox_processed_at', $1::text))) AS valid`,
    [schema],
  )) as { inbox: boolean; valid: boolean | null }[];
  if (!inbox || valid === true) return;
  const q = `"${schema.replace(/"/g, '""')}"`;
  if (valid === false) await qr.query(`DROP INDEX CONCURRENTLY IF EXISTS ${q}.inbox_processed_at`); // a build that was interrupted
  await qr.query(`CREATE INDEX CONCURRENTLY IF NOT EXISTS inbox_processed_at ON ${q}.inbox (processed_at)`);
}

/**
 * Deletes inbox rows older than `retentionHours`, `batchSize` at a time (each batch its own short
 * statement, so no long lock), until none is left or `stopped()` says so. Returns how many it deleted.
 * The retention must cover every redelivery: a message redelivered after its row is gone would be
 * handled again (the effects' own unique keys are then the last line of defence).
 */
export async function pruneInbox(ds: Pick<DataSource, 'query'>, retentionHours: number, opts: { batchSize?: number; pauseMs?: number; stopped?: () => boolean } = {}): Promise<number> {
  const batchSize = opts.batchSize ?? 1000;
  let total = 0;
  for (;;) {
    const [, n] = (await ds.query(
      `DELETE FROM inbox WHERE ctid = ANY(ARRAY(SELECT ctid FROM inbox WHERE processed_at < now() - make_interval(secs => $1::float8 * 3600) LIMIT $2))`,
      [retentionHours, batchSize],
    )) as [unknown[], number];
    total += n;
    if (n < batchSize || opts.stopped?.()) return total;
    await new Promise((r) => setTimeout(r, opts.pauseMs ?? 20));
  }
}
