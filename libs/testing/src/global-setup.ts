import { Client } from 'pg';
import * as amqp from 'amqplib';
import { deleteVhost, isStale, listVhosts, newRunId } from './isolation';

/**
 * Runs once before the suite: checks the real PostgreSQL and RabbitMQ answer (tests never mock
 * them), gives this run an id (workers derive their database and vhost names from it) and clears
 * leftovers of runs that died hours ago — never those of a run still going on this machine.
 */
export default async function globalSetup(): Promise<void> {
  process.env.AUTOCALL_TEST_RUN = newRunId();
  const base = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const client = new Client({ connectionString: base });
  try {
    await client.connect();
  } catch (err) {
    throw new Error(`PostgreSQL is not reachable at ${base}: ${(err as Error).message}. Start it (see README).`);
  }
  const dbs = await client.query(`SELECT datname FROM pg_database WHERE datname LIKE 'autocall\\_test\\_%'`);
  for (const { datname } of dbs.rows as { datname: string }[]) {
    if (isStale(datname)) await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
  }
  await client.end();
  const amqpUrl = process.env.TEST_AMQP_URL ?? process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
  try {
    const conn = await amqp.connect(amqpUrl);
    await conn.close();
  } catch (err) {
    throw new Error(`RabbitMQ is not reachable at ${amqpUrl}: ${(err as Error).message}. Start it (see README).`);
  }
  for (const vhost of listVhosts()) if (vhost.startsWith('autocall_test_') && isStale(vhost)) deleteVhost(vhost);
}
