import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, newTenantId } from '@autocall/testing';
import { call, deleteTestQueues, Receiver, startEvents, type Events } from './helpers';

/** The README's verification snippet after `<!-- snippet:NAME -->`. */
function snippet(name: string): string {
  const readme = readFileSync(join(__dirname, '..', '..', '..', 'README.md'), 'utf8');
  const m = new RegExp(`<!-- snippet:${name} -->\\n\`\`\`[a-z]+\\n([\\s\\S]*?)\`\`\``).exec(readme);
  if (!m) throw new Error(`README has no snippet ${name}`);
  return m[1];
}

interface Delivery {
  secret: string;
  headers: Record<string, string>;
  body: string;
}

const dir = mkdtempSync(join(tmpdir(), 'autocall-snippets-'));

/** Runs the Node snippet on a delivery: prints the event id, or fails. */
function runNode(d: Delivery) {
  writeFileSync(join(dir, 'verify.mjs'), snippet('verify-node'));
  const runner = `import { readFileSync } from 'node:fs';
import { verifyWebhook } from ${JSON.stringify(join(dir, 'verify.mjs'))};
const d = JSON.parse(readFileSync(0, 'utf8'));
process.stdout.write(verifyWebhook(d.secret, d.headers, d.body).id);`;
  writeFileSync(join(dir, 'run.mjs'), runner);
  return spawnSync(process.execPath, [join(dir, 'run.mjs')], { input: JSON.stringify(d), encoding: 'utf8' });
}

/** Runs the Python snippet (standard library only) on a delivery. */
function runPython(d: Delivery) {
  const runner = `${snippet('verify-python')}
import sys
d = json.load(sys.stdin)
sys.stdout.write(verify_webhook(d["secret"], d["headers"], d["body"].encode())["id"])
`;
  writeFileSync(join(dir, 'run.py'), runner);
  return spawnSync('python3', [join(dir, 'run.py')], { input: JSON.stringify(d), encoding: 'utf8' });
}

describe("the README's signature verification snippets, on a real delivery", () => {
  let svc: Events;
  let rx: Receiver;
  let delivery: Delivery;
  let oldSecret: string;
  let eventId: string;
  beforeAll(async () => {
    svc = await startEvents();
    rx = await Receiver.start();
    const t = newTenantId();
    const hook = (await call(svc, t, 'POST', '/v1/webhooks', { url: rx.url, events: ['task.status'] })).body;
    // rotated: the delivery carries two signatures, the snippets must find theirs among them
    const rotated = (await call(svc, t, 'POST', `/v1/webhooks/${hook.id}/rotate-secret`)).body.secret as string;
    const test = (await call(svc, t, 'POST', `/v1/webhooks/${hook.id}/test`)).body;
    eventId = test.eventId;
    const [got] = await eventually(() => (rx.ofEvent(eventId).length ? rx.ofEvent(eventId) : undefined));
    const headers = Object.fromEntries(['webhook-id', 'webhook-timestamp', 'webhook-signature'].map((h) => [h, String(got.headers[h])]));
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    delivery = { secret: rotated, headers, body: got.body };
    oldSecret = hook.secret;
  });
  afterAll(async () => {
    await svc?.close();
    await rx?.close();
    await deleteTestQueues();
  });

  const tampered = () => ({ ...delivery, body: delivery.body.replace('webhook.test', 'webhook.tesT') });
  const wrongKey = () => ({ ...delivery, secret: `whsec_${Buffer.alloc(32, 7).toString('base64')}` });
  const stale = () => ({ ...delivery, headers: { ...delivery.headers, 'webhook-timestamp': String(Math.floor(Date.now() / 1000) - 600) } });

  it.each([
    ['Node', runNode],
    ['Python', runPython],
  ])('when the %s snippet checks a delivery, then it accepts it with the new secret and the old one, and refuses a tampered body, another key, an old timestamp', (_lang, run) => {
    const ok = run(delivery);
    expect([ok.status, ok.stdout, ok.stderr]).toEqual([0, eventId, '']);
    const old = run({ ...delivery, secret: oldSecret });
    expect([old.status, old.stdout]).toEqual([0, eventId]);
    for (const bad of [tampered(), wrongKey(), stale()]) expect(run(bad).status).not.toBe(0);
  });
});
