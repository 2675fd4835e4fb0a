import { randomUUID } from 'node:crypto';
import { createDataSource, ensureDatabase, usages, type DataSource, type QueryRunner } from '@autocall/db';
import { testDatabaseUrl } from '@autocall/testing';

const schema = `usagestest_${Date.now().toString(36)}`;
const widgetUsages = usages('widget_usages', 'widget_id');
let ds: DataSource;

beforeAll(async () => {
  const url = testDatabaseUrl();
  await ensureDatabase(url);
  ds = createDataSource({ url, schema, migrations: [], poolSize: 4 });
  await ds.initialize();
  await ds.query(`CREATE SCHEMA "${schema}"`);
  await ds.query(`CREATE TABLE widgets (id uuid PRIMARY KEY, tenant_id uuid NOT NULL)`);
  await ds.query(`CREATE TABLE widget_usages (widget_id uuid NOT NULL, task_id uuid NOT NULL, tenant_id uuid NOT NULL, created_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (widget_id, task_id))`);
});
afterAll(async () => {
  await ds?.query(`DROP SCHEMA "${schema}" CASCADE`).catch(() => undefined);
  await ds?.destroy();
});

const usageRows = async (taskId: string) =>
  ((await ds.query(`SELECT widget_id FROM widget_usages WHERE task_id = $1 ORDER BY widget_id`, [taskId])) as { widget_id: string }[]).map((r) => r.widget_id);

async function widget(tenantId: string): Promise<string> {
  const id = randomUUID();
  await ds.query(`INSERT INTO widgets (id, tenant_id) VALUES ($1, $2)`, [id, tenantId]);
  return id;
}

async function begin(): Promise<QueryRunner> {
  const qr = ds.createQueryRunner();
  await qr.connect();
  await qr.startTransaction();
  return qr;
}

/** Whether p is still pending after a moment (a transaction waiting for a row lock). */
const stillWaiting = async (p: Promise<unknown>) => (await Promise.race([p.then(() => false), new Promise((r) => setTimeout(() => r(true), 300))])) as boolean;

describe('usages', () => {
  it('when a task reserves resources (twice), then each is in use once, and the others are not', async () => {
    const tenant = randomUUID();
    const task = randomUUID();
    const [a, b, c] = [await widget(tenant), await widget(tenant), await widget(tenant)];
    await widgetUsages.reserve(ds.manager, tenant, task, [a, b]);
    await widgetUsages.reserve(ds.manager, tenant, task, [a]);
    expect(await usageRows(task)).toEqual([a, b].sort());
    expect([await widgetUsages.inUse(ds.manager, a), await widgetUsages.inUse(ds.manager, b), await widgetUsages.inUse(ds.manager, c)]).toEqual([true, true, false]);
  });

  it('when a task releases, then only its own usages under its tenant go', async () => {
    const [tenant, other] = [randomUUID(), randomUUID()];
    const [task, otherTask] = [randomUUID(), randomUUID()];
    const a = await widget(tenant);
    const b = await widget(other);
    await widgetUsages.reserve(ds.manager, tenant, task, [a]);
    await widgetUsages.reserve(ds.manager, tenant, otherTask, [a]);
    await widgetUsages.reserve(ds.manager, other, task, [b]); // the same task id under another tenant
    await widgetUsages.release(ds.manager, tenant, task);
    expect(await usageRows(task)).toEqual([b]);
    expect(await usageRows(otherTask)).toEqual([a]);
    expect(await widgetUsages.inUse(ds.manager, a)).toBe(true);
  });

  it('when a task keeps only some resources (releaseExcept), then the others are released', async () => {
    const tenant = randomUUID();
    const task = randomUUID();
    const [a, b, c] = [await widget(tenant), await widget(tenant), await widget(tenant)];
    await widgetUsages.reserve(ds.manager, tenant, task, [a, b, c]);
    await widgetUsages.releaseExcept(ds.manager, tenant, task, [b]);
    expect(await usageRows(task)).toEqual([b]);
    await widgetUsages.releaseExcept(ds.manager, tenant, task, []);
    expect(await usageRows(task)).toEqual([]);
  });

  it('when a delete locks the resource while a reserve holding its row lock is open, then the delete waits and sees the usage', async () => {
    const tenant = randomUUID();
    const a = await widget(tenant);
    const reserving = await begin();
    const deleting = await begin();
    try {
      await reserving.query(`SELECT id FROM widgets WHERE id = $1 FOR SHARE`, [a]);
      await widgetUsages.reserve(reserving.manager, tenant, randomUUID(), [a]);
      const lock = deleting.query(`SELECT id FROM widgets WHERE id = $1 FOR UPDATE`, [a]);
      expect(await stillWaiting(lock)).toBe(true);
      await reserving.commitTransaction();
      await lock;
      expect(await widgetUsages.inUse(deleting.manager, a)).toBe(true);
    } finally {
      await deleting.rollbackTransaction();
      await reserving.release();
      await deleting.release();
    }
  });

  it('when a reserve comes while a delete holds the lock, then it waits and finds the resource gone', async () => {
    const tenant = randomUUID();
    const a = await widget(tenant);
    const deleting = await begin();
    const reserving = await begin();
    try {
      await deleting.query(`SELECT id FROM widgets WHERE id = $1 FOR UPDATE`, [a]);
      expect(await widgetUsages.inUse(deleting.manager, a)).toBe(false);
      await deleting.query(`DELETE FROM widgets WHERE id = $1`, [a]);
      const lock = reserving.query(`SELECT id FROM widgets WHERE id = $1 FOR SHARE`, [a]) as Promise<unknown[]>;
      expect(await stillWaiting(lock)).toBe(true);
      await deleting.commitTransaction();
      expect(await lock).toEqual([]);
    } finally {
      await reserving.rollbackTransaction();
      await reserving.release();
      await deleting.release();
    }
  });

  it('when the table or column is not a plain identifier, then it is refused at once', () => {
    expect(() => usages('widget_usages; DROP TABLE widgets', 'widget_id')).toThrow(/not a plain identifier/);
    expect(() => usages('widget_usages', 'Widget-Id')).toThrow(/not a plain identifier/);
  });
});
