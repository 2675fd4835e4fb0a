import { createDataSource, createOutboxAndInbox, ensureDatabase, migrate, type DataSource } from '@autocall/db';
import { sql, testDatabaseUrl } from '@autocall/testing';

class MigrateTestInit1764000000002 {
  name = 'MigrateTestInit1764000000002';
  async up(qr: Parameters<typeof createOutboxAndInbox>[0]) {
    await createOutboxAndInbox(qr);
  }
  async down() {}
}

const sources: DataSource[] = [];
afterAll(async () => {
  for (const ds of sources) await ds.destroy().catch(() => undefined);
});

describe('migrate', () => {
  it('when several replicas start together on a new schema, then every one migrates and starts, and the inbox index is built once and valid', async () => {
    const url = testDatabaseUrl();
    await ensureDatabase(url);
    const schema = `migratetest_${Date.now().toString(36)}`;
    for (let i = 0; i < 4; i++) {
      const ds = createDataSource({ url, schema, migrations: [MigrateTestInit1764000000002], poolSize: 2 });
      await ds.initialize();
      sources.push(ds);
    }
    // the replicas that wait for the first one's lock must not deadlock with its CREATE INDEX CONCURRENTLY
    const results = await Promise.allSettled(sources.map((ds) => migrate(ds, schema)));
    expect(results.map((r) => (r.status === 'rejected' ? String(r.reason) : 'ok'))).toEqual(['ok', 'ok', 'ok', 'ok']);
    const [index] = await sql<{ valid: boolean }>(`SELECT i.indisvalid AS valid FROM pg_index i WHERE i.indexrelid = to_regclass($1)`, [`${schema}.inbox_processed_at`]);
    expect(index).toEqual({ valid: true });
    await sql(`DROP SCHEMA "${schema}" CASCADE`);
  });
});
