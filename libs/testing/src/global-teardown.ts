import { Client } from 'pg';
import { deleteVhost, listVhosts } from './isolation';

/** Drops this run's databases and virtual hosts. */
export default async function globalTeardown(): Promise<void> {
  const run = process.env.AUTOCALL_TEST_RUN;
  if (!run) return;
  const prefix = `autocall_test_${run}_`;
  const client = new Client({ connectionString: process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' });
  await client.connect();
  const dbs = await client.query(`SELECT datname FROM pg_database WHERE starts_with(datname, $1)`, [prefix]);
  for (const { datname } of dbs.rows as { datname: string }[]) await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
  await client.end();
  for (const vhost of listVhosts()) if (vhost.startsWith(prefix)) deleteVhost(vhost);
}
