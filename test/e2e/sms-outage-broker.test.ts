/**
 * music-metadata (the recording service) exports only import / module-sync conditions.
 * @jest-environment-options {"customExportConditions": ["node", "node-addons", "module-sync"]}
 */
import { eventually } from '@autocall/testing';
import { arrived, dialerFinished, expectEveryDueSmsOnce, PrivateRabbit, startOutage, type Outage } from './sms-outage';

/**
 * Issue 11 item 8: RabbitMQ restarts (`rabbitmqctl stop_app`, 15 s, `start_app`) while the dialer
 * finishes a 300-number task. The platform runs on a RabbitMQ node of this test's own: the
 * machine's shared broker serves other test runs and is never restarted.
 */
const DOWN_MS = 15_000;
let o: Outage | undefined;
let rabbit: PrivateRabbit | undefined;

afterAll(async () => {
  await o?.close();
  await rabbit?.stop();
}, 120_000);

it('when RabbitMQ restarts mid-run, then every due SMS arrives exactly once', async () => {
  rabbit = await new PrivateRabbit().start();
  o = await startOutage({ amqpUrl: rabbit.url() });
  // mid-run: once the first follow-ups went out, while the dialer is still dialling
  await eventually(async () => (await o!.provider.refresh()).length >= 30, 60_000, 20);
  await rabbit.stopApp();
  const stoppedAt = Date.now();
  const before = await arrived(o);
  await new Promise((r) => setTimeout(r, DOWN_MS));
  const during = await arrived(o);
  await rabbit.startApp();
  await dialerFinished(o);
  const { requests, repeated } = await expectEveryDueSmsOnce(o);
  console.log(
    `sms outage (RabbitMQ stopped ${DOWN_MS / 1000} s): ${before.numbers} of ${o.due.length} due SMS had arrived at the stop, ${during.numbers} by the restart, ` +
      `all ${o.due.length} ${Date.now() - stoppedAt} ms after it (${requests} provider requests, ${repeated} repeated)`,
  );
}, 300_000);
