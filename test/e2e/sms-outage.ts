/**
 * The SMS outage tests of issue 11 (item 8): the whole platform (in-process, as platform.ts builds
 * it) with the sms service as a real process of its own (services/sms/dist/main.js), an `http`
 * SMS provider that does not deduplicate (a local server counting requests per message id), and a
 * task of 300 numbers with both SMS kinds on the simulated carrier at SIM_TIME_SCALE=0. Each test
 * file breaks one thing while the dialer finishes and then checks that every due SMS arrived
 * exactly once.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { eventually, testAmqpUrl, testDatabaseUrl } from '@autocall/testing';
import { CountingProvider } from '../../services/sms/test/counting-provider';
import { deleteTestQueues } from '../../services/sms/test/helpers';
import { freePort, root, SmsProcess } from '../../services/sms/test/process';
import { allPages, call, e164, newTenant, OPEN_DIALING, rosterRows, startPlatform, uploadRecording, uploadRoster, type Platform } from './platform';

export { PgProxy } from '../../services/sms/test/pg-proxy';

export const NUMBERS = 300;
/** Quick enough for a test, the same code paths as production: lease, retries and parking waits short. */
const SMS_ENV = {
  SMS_PROVIDER_ALLOW_PRIVATE: 'true',
  SMS_SEND_LEASE_MS: '6000',
  // a killed sms's unsettled claims are in doubt this long after their lease (well inside the 2-minute kill)
  SMS_SEND_IN_DOUBT_MS: '30000',
  SMS_SEND_RETRY_BASE_MS: '500',
  SMS_SENDER_INTERVAL_MS: '100',
  SMS_CONSUMER_MAX_RETRIES: '3',
  SMS_CONSUMER_RETRY_BASE_MS: '250',
  SMS_CONSUMER_PARK_BASE_MS: '2000',
  SMS_CONSUMER_PARK_MAX_MS: '5000',
  LOG_LEVEL: 'info',
};

export { PrivateRabbit } from '@autocall/testing';

export interface Outage {
  platform: Platform;
  sms: SmsProcess;
  provider: CountingProvider;
  /** The numbers (E.164) that must get exactly one SMS: every digit but 9 (failed) of the carrier's table. */
  due: string[];
  tenant: { auth: Record<string, string> };
  taskId: string;
  close(): Promise<void>;
}

/**
 * Starts the provider, the sms process (its DATABASE_URL and AMQP_URL as given) and the platform,
 * makes a tenant with a 300-number roster, both templates and an http account at the provider,
 * and creates the task (running at once). The fault is the caller's.
 */
export async function startOutage(opts: { smsDatabaseUrl?: string; amqpUrl?: string } = {}): Promise<Outage> {
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: 'pipe' });
  const provider = await new CountingProvider().startProcess();
  const prefix = `smsoutage.${randomUUID()}`;
  const amqpUrl = opts.amqpUrl ?? testAmqpUrl();
  const sms = await new SmsProcess(await freePort(), { ...SMS_ENV, DATABASE_URL: opts.smsDatabaseUrl ?? testDatabaseUrl(), AMQP_URL: amqpUrl, SMS_QUEUE_PREFIX: prefix }).start();
  const platform = await startPlatform({ smsUrl: sms.url, dialerEnv: { SIM_TIME_SCALE: '0' }, env: opts.amqpUrl ? { AMQP_URL: opts.amqpUrl } : {} });
  const close = async () => {
    await platform.close();
    await sms.kill();
    await provider.stop();
    if (!opts.amqpUrl) await deleteTestQueues([prefix]); // a private broker goes with its queues
  };
  try {
    const tenant = await newTenant(platform.url);
    const { auth } = tenant;
    const recording = await uploadRecording(platform.url, auth);
    expect(recording.status).toBe(201);
    const first = 87630030000 + Math.floor(Math.random() * 900) * 1000;
    const rows = rosterRows(first, NUMBERS);
    const roster = await uploadRoster(platform.url, auth, rows);
    expect([roster.status, roster.body?.status]).toEqual([201, 'ready']);
    const template = async (name: string, content: string) => {
      const res = await call(platform.url, 'POST', '/v1/sms-templates', { headers: auth, json: { name, content } });
      expect(res.status).toBe(201);
      return res.body.id as string;
    };
    const disconnect = await template('Thanks', 'Thanks {{name}}, order {{Order Id}}.');
    const unanswered = await template('Missed', 'Sorry we missed you {{name}}.');
    const account = await call(platform.url, 'PUT', '/v1/sms-account', { headers: auth, json: { provider: 'http', senderId: 'AUTOCALL', status: 'active', settings: { url: provider.url, timeoutMs: 1000 } } });
    expect([account.status, account.text]).toEqual([200, expect.any(String)]);
    const task = await call(platform.url, 'POST', '/v1/tasks', {
      headers: auth,
      json: {
        name: 'Outage',
        recordingId: recording.body.id,
        rosterId: roster.body.id,
        start: { mode: 'immediate' },
        sms: { onDisconnect: { enabled: true, templateId: disconnect, when: 'anyAnswered' }, onUnanswered: { enabled: true, templateId: unanswered } },
        // 20 calls a second: the dialer takes ~15 s, so the fault comes while it is still dialling
        dialing: { ...OPEN_DIALING, maxAttempts: 1, callsPerSecond: 20 },
      },
    });
    expect([task.status, task.text]).toEqual([201, expect.any(String)]);
    const due = rows.map((r) => e164(r.phone)).filter((p) => !p.endsWith('9'));
    return { platform, sms, provider, due, tenant, taskId: task.body.id as string, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** Waits until the dialer has finished the task (the task service says completed). */
export async function dialerFinished(o: Outage): Promise<void> {
  await eventually(async () => (await call(o.platform.url, 'GET', `/v1/tasks/${o.taskId}`, { headers: o.tenant.auth })).body?.status === 'completed', 60_000, 200);
}

/** Distinct message ids the provider got requests for, and for how many of the due numbers. */
export async function arrived(o: Outage): Promise<{ ids: number; numbers: number }> {
  const requests = await o.provider.refresh();
  return { ids: o.provider.counts().size, numbers: new Set(requests.map((r) => r.to)).size };
}

/**
 * After recovery: every due number got its SMS, and no message id was requested twice except
 * those in `mayRepeat` (sent before a crash, their settlement lost with the process). Returns the
 * figures for the test's log line.
 */
export async function expectEveryDueSmsOnce(o: Outage, mayRepeat = new Set<string>()): Promise<{ requests: number; repeated: number }> {
  await eventually(async () => (await arrived(o)).numbers === o.due.length, 120_000, 200).catch(async (err: Error) => {
    throw new Error(`${err.message}: ${(await arrived(o)).numbers} of ${o.due.length} due SMS arrived; sms output:\n${o.sms.output.slice(-4000)}`);
  });
  // a message whose settlement was lost would be sent again once its lease (6 s) lapsed
  await new Promise((r) => setTimeout(r, 8_000));
  const messages = await eventually(async () => {
    const items = await allPages(o.platform.url, o.tenant.auth, `/v1/sms-messages?taskId=${o.taskId}`);
    return items.length === o.due.length && items.every((m) => m.status === 'sent') ? items : undefined;
  }, 30_000, 500);
  expect(messages.map((m) => m.phone).sort()).toEqual([...o.due].sort());
  await o.provider.refresh();
  const counts = o.provider.counts();
  expect(new Set(counts.keys())).toEqual(new Set(messages.map((m) => m.id)));
  const repeated = [...counts].filter(([, n]) => n > 1).map(([id]) => id);
  const unexpected = repeated.filter((id) => !mayRepeat.has(id));
  if (unexpected.length > 0) {
    const t0 = o.provider.requests[0].start;
    const detail = unexpected.slice(0, 5).map((id) => `${id}: ${o.provider.requests.filter((r) => r.messageId === id).map((r) => `[${r.start - t0}, ${(r.end ?? NaN) - t0}]`).join(' ')}`);
    const logs = o.sms.output.split('\n').filter((l) => unexpected.slice(0, 5).some((id) => l.includes(id)) || /sms-sender|settle|claim/.test(l)).slice(-40);
    throw new Error(`${unexpected.length} message(s) requested more than once:\n${detail.join('\n')}\nsms log:\n${logs.join('\n')}`);
  }
  expect(o.provider.requests.every((r) => r.idempotencyKey === r.messageId)).toBe(true);
  return { requests: o.provider.requests.length, repeated: repeated.length };
}
