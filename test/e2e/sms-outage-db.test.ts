/**
 * music-metadata (the recording service) exports only import / module-sync conditions.
 * @jest-environment-options {"customExportConditions": ["node", "node-addons", "module-sync"]}
 */
import { arrived, dialerFinished, expectEveryDueSmsOnce, PgProxy, startOutage, type Outage } from './sms-outage';

/**
 * Issue 11 item 8: the sms service keeps running but its PostgreSQL connection is cut for 90 s (a
 * TCP proxy severs it and refuses new ones) while the dialer finishes a 300-number task. Before the
 * fix the call results were dead-lettered after their retries and those follow-ups never went out
 * (265 of 270 with the default retries); now they wait parked and every due SMS arrives exactly once.
 */
const CUT_MS = 90_000;
let o: Outage | undefined;
const proxy = new PgProxy();

afterAll(async () => {
  await proxy.restore(); // the sms process closes its pool cleanly
  await o?.close();
  await proxy.cut();
}, 60_000);

it('when the sms database connection is cut for 90 s while the dialer finishes, then after recovery every due SMS arrives exactly once', async () => {
  await proxy.start();
  o = await startOutage({ smsDatabaseUrl: proxy.url() });
  const cutAt = Date.now();
  await proxy.cut();
  await dialerFinished(o);
  const finishedAfterMs = Date.now() - cutAt;
  await new Promise((r) => setTimeout(r, Math.max(0, CUT_MS - (Date.now() - cutAt))));
  const before = await arrived(o);
  await proxy.restore();
  const restored = Date.now();
  const { requests, repeated } = await expectEveryDueSmsOnce(o);
  console.log(
    `sms outage (database cut ${CUT_MS / 1000} s): dialer finished ${finishedAfterMs} ms into the cut; ${before.numbers} of ${o.due.length} due SMS arrived during the cut, ` +
      `all ${o.due.length} ${Date.now() - restored} ms after it (${requests} provider requests, ${repeated} repeated)`,
  );
}, 300_000);
