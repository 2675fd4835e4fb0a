/**
 * music-metadata (the recording service) exports only import / module-sync conditions.
 * @jest-environment-options {"customExportConditions": ["node", "node-addons", "module-sync"]}
 */
import { eventually } from '@autocall/testing';
import { arrived, dialerFinished, expectEveryDueSmsOnce, startOutage, type Outage } from './sms-outage';

/**
 * Issue 11 item 8: the sms process is SIGKILLed while the dialer finishes a 300-number task and
 * stays down for 2 minutes; restarted, it handles what waited in its queue. Every due SMS arrives,
 * once — a message the provider had taken just before the kill, whose settlement died with the
 * process, is the one exception allowed (it carries the same Idempotency-Key).
 */
const DOWN_MS = 120_000;
let o: Outage | undefined;

afterAll(async () => {
  await o?.close();
}, 60_000);

it('when the sms process is SIGKILLed for 2 minutes while the dialer finishes, then after its restart every due SMS arrives exactly once', async () => {
  o = await startOutage();
  // mid-run: once the first follow-ups went out, while the dialer is still dialling
  await eventually(async () => (await o!.provider.refresh()).length >= 30, 60_000, 20);
  await o.sms.kill();
  const killedAt = Date.now();
  const sentBeforeKill = new Set((await o.provider.refresh()).map((r) => r.messageId));
  await dialerFinished(o);
  await new Promise((r) => setTimeout(r, Math.max(0, DOWN_MS - (Date.now() - killedAt))));
  const before = await arrived(o);
  await o.sms.start();
  const restarted = Date.now();
  const { requests, repeated } = await expectEveryDueSmsOnce(o, sentBeforeKill);
  console.log(
    `sms outage (process killed ${DOWN_MS / 1000} s): ${sentBeforeKill.size} SMS sent before the kill, ${before.numbers} of ${o.due.length} by the restart, ` +
      `all ${o.due.length} ${Date.now() - restarted} ms after it (${requests} provider requests, ${repeated} repeated)`,
  );
}, 300_000);
