import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import type { Bus } from '@autocall/bus';
import { asTenant, connectTestBus, eventually, newTenantId } from '@autocall/testing';
import { HttpProvider } from '../src/adapters/http-provider';
import { callCompleted, createTemplate, deleteTestQueues, messagesOf, publishCall, publishTask, putAccount, startSmsLoggingTo, taskSnapshot, type MessageItem, type Sms } from './helpers';

/** A provider on a local port: answers per destination number from a script, records every request. */
class FakeProvider {
  private server?: Server;
  url = '';
  readonly requests: { to: string; headers: IncomingHttpHeaders; body: Record<string, unknown> }[] = [];
  /** per number: the answers in order (a status code, or 'hang' to never answer); the last one repeats */
  readonly script = new Map<string, (number | 'hang')[]>();

  async start(host = '127.0.0.1') {
    this.server = createServer((req, res) => {
      let raw = '';
      req.on('data', (c: Buffer) => (raw += c.toString()));
      req.on('end', () => {
        const body = JSON.parse(raw) as Record<string, unknown>;
        const to = String(body.to);
        const seen = this.requests.filter((r) => r.to === to).length;
        this.requests.push({ to, headers: req.headers, body });
        const answers = this.script.get(to) ?? [200];
        const answer = answers[Math.min(seen, answers.length - 1)];
        if (answer === 'hang') return; // never answers: the client's timeout decides
        res.writeHead(answer, { 'content-type': 'application/json' });
        // a careless provider echoes the credentials it got: they must not reach failureReason
        res.end(JSON.stringify({ ok: answer < 300, echo: req.headers.authorization }));
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, host, r));
    this.url = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}/sms`;
  }

  sent(to: string) {
    return this.requests.filter((r) => r.to === to);
  }

  async stop() {
    this.server?.closeAllConnections();
    await new Promise((r) => this.server?.close(r));
  }
}

let sms: Sms;
let bus: Bus;
const provider = new FakeProvider();
const API_KEY = `key-${randomUUID()}`;
const PASSWORD = `pw-${randomUUID()}`;
const logLines: string[] = [];

beforeAll(async () => {
  await provider.start();
  sms = await startSmsLoggingTo(logLines, { SMS_PROVIDER_ALLOW_PRIVATE: 'true', SMS_SEND_MAX_ATTEMPTS: '3', SMS_SEND_RETRY_BASE_MS: '100' });
  bus = await connectTestBus('smstest-http');
});
afterAll(async () => {
  await sms?.close();
  await bus?.close();
  await provider.stop();
  await deleteTestQueues();
});

/** A tenant on the http provider, one task with onDisconnect on, one answered call to `phone`. */
async function sendOne(phone: string, settings: Record<string, unknown>) {
  const tenantId = newTenantId();
  const put = await putAccount(sms, tenantId, { provider: 'http', senderId: 'ACME', settings: { url: provider.url, timeoutMs: 300, ...settings } });
  const template = await createTemplate(sms, tenantId, 'Hi {{name}}, thanks');
  const task = taskSnapshot({ tenantId, disconnect: { templateId: template } });
  await publishTask(bus, task);
  await publishCall(bus, callCompleted(task, { phone, outcome: 'answered', name: 'Budi' }));
  const done = async () => {
    const [m] = await messagesOf(sms, tenantId, task.taskId);
    return m && m.status !== 'queued' ? m : undefined;
  };
  return { tenantId, task, put, message: () => eventually<MessageItem>(done, 15_000) };
}

describe('http SMS provider', () => {
  it('when the provider answers 2xx, then the SMS is sent once as JSON with the bearer key and the message id as idempotency key', async () => {
    const phone = '+6281300000001';
    const { message } = await sendOne(phone, { apiKey: API_KEY });
    const m = await message();
    expect(m).toMatchObject({ status: 'sent', text: 'Hi Budi, thanks', failureReason: null });
    const [req] = provider.sent(phone);
    expect(provider.sent(phone)).toHaveLength(1);
    expect(req.body).toEqual({ to: phone, from: 'ACME', text: 'Hi Budi, thanks', messageId: m.id });
    expect(req.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(req.headers['idempotency-key']).toBe(m.id);
    expect(req.headers['content-type']).toBe('application/json');
  });

  it('when the account uses a username and password, then the request carries basic auth', async () => {
    const phone = '+6281300000002';
    const { message } = await sendOne(phone, { username: 'acme', password: PASSWORD });
    expect((await message()).status).toBe('sent');
    expect(provider.sent(phone)[0].headers.authorization).toBe(`Basic ${Buffer.from(`acme:${PASSWORD}`).toString('base64')}`);
  });

  it('when the provider answers 5xx twice, then it is retried with back-off with the same message id and ends sent', async () => {
    const phone = '+6281300000003';
    provider.script.set(phone, [503, 500, 200]);
    const { message } = await sendOne(phone, { apiKey: API_KEY });
    const m = await message();
    expect(m.status).toBe('sent');
    const reqs = provider.sent(phone);
    expect(reqs).toHaveLength(3);
    expect(new Set(reqs.map((r) => r.body.messageId))).toEqual(new Set([m.id]));
  });

  it('when the provider answers 4xx, then the SMS fails at once with the status as its reason, and no secret is echoed', async () => {
    const phone = '+6281300000004';
    provider.script.set(phone, [400]);
    const { message } = await sendOne(phone, { apiKey: API_KEY });
    const m = await message();
    expect(m).toMatchObject({ status: 'failed', failureReason: 'provider answered 400', sentAt: null });
    expect(provider.sent(phone)).toHaveLength(1);
  });

  it('when the provider never answers, then each attempt times out and the SMS fails after the attempt limit with the reason', async () => {
    const phone = '+6281300000005';
    provider.script.set(phone, ['hang']);
    const started = Date.now();
    const { message } = await sendOne(phone, { apiKey: API_KEY });
    const m = await message();
    expect(m).toMatchObject({ status: 'failed', failureReason: 'provider did not answer within 300 ms (gave up after 3 attempts)' });
    expect(provider.sent(phone)).toHaveLength(3);
    expect(Date.now() - started).toBeGreaterThanOrEqual(3 * 300 + 100 + 200);
  });

  it('when the provider answers 5xx, then while it is retried the message stays queued with the last failure', async () => {
    const phone = '+6281300000006';
    provider.script.set(phone, [502, 'hang']);
    const { tenantId, task } = await sendOne(phone, { apiKey: API_KEY });
    const m = await eventually(async () => (await messagesOf(sms, tenantId, task.taskId)).find((i) => i.failureReason === 'provider answered 502'));
    expect(m.status).toBe('queued');
  });

  it('when secrets were set, then no response shows them: account, PUT answer, messages', async () => {
    const phone = '+6281300000007';
    provider.script.set(phone, [401]);
    const { tenantId, task, put, message } = await sendOne(phone, { apiKey: API_KEY, username: 'acme', password: PASSWORD });
    await message();
    const account = await sms.app.inject({ method: 'GET', url: '/v1/sms-account', headers: asTenant(tenantId) });
    const list = await sms.app.inject({ method: 'GET', url: `/v1/sms-messages?taskId=${task.taskId}`, headers: asTenant(tenantId) });
    for (const body of [put.body, account.body, list.body]) {
      expect(body).not.toContain(API_KEY);
      expect(body).not.toContain(PASSWORD);
      expect(body).not.toContain(Buffer.from(`acme:${PASSWORD}`).toString('base64'));
    }
    const logs = logLines.join('');
    expect(logs).toContain('sms provider failed; will retry'); // the retries above were logged...
    for (const secret of [API_KEY, PASSWORD, Buffer.from(`acme:${PASSWORD}`).toString('base64'), phone]) expect(logs).not.toContain(secret); // ...without secrets or full numbers
    expect(account.json().settings).toEqual({ url: provider.url, username: 'acme', timeoutMs: 300, passwordSet: true, apiKeySet: true, callbackSecretSet: false });
    expect(list.json().items[0].failureReason).toBe('provider answered 401');
  });
});

describe('http provider adapter', () => {
  it('when private addresses are not allowed, then a provider URL on loopback is refused at send time without a request', async () => {
    const adapter = new HttpProvider({ allowPrivate: false, defaultTimeoutMs: 1000, maxTimeoutMs: 5000 });
    const before = provider.requests.length;
    const outcome = await adapter.send({ messageId: randomUUID(), tenantId: randomUUID(), taskId: randomUUID(), kind: 'disconnect', to: '+6281300000099', from: 'ACME', text: 'x' }, { url: provider.url, apiKey: API_KEY });
    expect(outcome).toEqual({ status: 'failed', retryable: false, reason: 'provider url is not allowed (private address or unresolvable)' });
    expect(provider.requests.length).toBe(before);
  });

  it('when a host name resolves to a private address, then the connection is refused as it resolves, not only when checked', async () => {
    // the machine's own name resolves to loopback or a private address here (and on CI): the connection's own
    // resolution is what is checked, so a name that re-resolves elsewhere after a check (DNS rebinding) gets nowhere
    const anyInterface = new FakeProvider();
    await anyInterface.start('0.0.0.0');
    try {
      const url = anyInterface.url.replace('127.0.0.1', hostname());
      const sms = (to: string) => ({ messageId: randomUUID(), tenantId: randomUUID(), taskId: randomUUID(), kind: 'disconnect' as const, to, from: 'ACME', text: 'x' });
      const refused = await new HttpProvider({ allowPrivate: false, defaultTimeoutMs: 1000, maxTimeoutMs: 5000 }).send(sms('+6281300000096'), { url });
      expect(refused).toEqual({ status: 'failed', retryable: false, reason: 'provider url is not allowed (private address or unresolvable)' });
      expect(anyInterface.requests).toHaveLength(0);
      const allowed = await new HttpProvider({ allowPrivate: true, defaultTimeoutMs: 1000, maxTimeoutMs: 5000 }).send(sms('+6281300000095'), { url });
      expect(allowed).toEqual({ status: 'sent' }); // the same name does reach the server when private addresses are allowed
      expect(anyInterface.sent('+6281300000095')).toHaveLength(1);
    } finally {
      await anyInterface.stop();
    }
  });

  it('when nothing listens on the port, then the failure is retryable and names no secret', async () => {
    const adapter = new HttpProvider({ allowPrivate: true, defaultTimeoutMs: 1000, maxTimeoutMs: 5000 });
    const outcome = await adapter.send({ messageId: randomUUID(), tenantId: randomUUID(), taskId: randomUUID(), kind: 'disconnect', to: '+6281300000098', from: 'ACME', text: 'x' }, { url: 'http://127.0.0.1:9/sms', apiKey: API_KEY });
    expect(outcome).toEqual({ status: 'failed', retryable: true, reason: 'provider unreachable: ECONNREFUSED' });
  });

  it('when the configured timeout exceeds the sender lease, then the lease bound wins', async () => {
    const adapter = new HttpProvider({ allowPrivate: true, defaultTimeoutMs: 1000, maxTimeoutMs: 200 });
    provider.script.set('+6281300000097', ['hang']);
    const outcome = await adapter.send({ messageId: randomUUID(), tenantId: randomUUID(), taskId: randomUUID(), kind: 'disconnect', to: '+6281300000097', from: 'ACME', text: 'x' }, { url: provider.url, timeoutMs: 60000 });
    expect(outcome).toEqual({ status: 'failed', retryable: true, reason: 'provider did not answer within 200 ms' });
  });
});
