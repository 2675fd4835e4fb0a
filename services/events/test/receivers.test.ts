import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { NumberCompleted } from '@autocall/contracts';
import type { Bus } from '@autocall/bus';
import { connectTestBus, eventually, newTenantId } from '@autocall/testing';
import { call, deleteTestQueues, Receiver, startEvents, type Behaviour, type Events } from './helpers';

const payload = (tenantId: string) => ({ tenantId, taskId: randomUUID(), phone: '+6287630021323', outcome: 'busy', attempts: 2, variables: {}, sms: null });

/** Answers that keep writing until the connection goes (an endless body): two chunks are over the 64 KiB cap, however slow the machine. */
const endless =
  (status: number, chunk = Buffer.alloc(40 * 1024, 'x'), everyMs = 1): Behaviour =>
  (_req, res) => {
    res.writeHead(status, { 'content-type': 'text/plain' });
    const timer = setInterval(() => res.write(chunk), everyMs);
    res.on('close', () => clearInterval(timer));
  };

describe('misbehaving receivers: each a failed attempt with its reason, retried; nothing hangs', () => {
  let svc: Events;
  let bus: Bus;
  const receivers: Receiver[] = [];
  const hanging = new Set<ServerResponse>();
  beforeAll(async () => {
    svc = await startEvents({ WEBHOOK_TIMEOUT_MS: '400', WEBHOOK_LEASE_MS: '1200', WEBHOOK_RETRY_SCHEDULE: '50ms', WEBHOOK_MAX_RESPONSE_BYTES: '65536' });
    bus = await connectTestBus('events-test');
  });
  afterAll(async () => {
    await svc?.close();
    await bus?.close();
    for (const r of receivers) await r.close();
    await deleteTestQueues();
  });

  const cases: [string, Behaviour, number | null, RegExp][] = [
    [
      'a redirect',
      (_req, res) => {
        res.writeHead(302, { location: 'http://169.254.169.254/' });
        res.end();
      },
      302,
      /^Redirect \(302\) not followed\.$/,
    ],
    [
      'a 500',
      (_req, res) => {
        res.statusCode = 500;
        res.end('<html>Internal Server Error</html>');
      },
      500,
      /^The receiver answered 500: <html>Internal Server Error<\/html>$/,
    ],
    ['no answer (a hang)', (_req, res) => void hanging.add(res), null, /^No complete answer within 400 ms\.$/],
    ['headers, then a body that never ends (slowly)', endless(200, Buffer.from('.'), 50), 200, /^No complete answer within 400 ms\.$/],
    ['a 200 with an endless body', endless(200), 200, /^The answer \(status 200\) was longer than 65536 bytes\.$/],
    [
      'a close in the middle of the answer',
      (_req, res) => {
        res.writeHead(200, { 'content-length': '1000' });
        res.write('only part of it');
        setTimeout(() => res.socket?.destroy(), 20);
      },
      200,
      /^The connection closed in the middle of the answer\.$/,
    ],
    ['a close before any answer', (_req, res) => res.socket?.destroy(), null, /^The connection closed before an answer\.$/],
  ];

  it.each(cases)('when the receiver sends %s, then the attempt fails with its reason and is retried', async (_name, behave, statusCode, error) => {
    const rx = await Receiver.start();
    receivers.push(rx);
    rx.behave = behave;
    const t = newTenantId();
    const hook = (await call(svc, t, 'POST', '/v1/webhooks', { url: rx.url, events: ['number.completed'] })).body;
    const eventId = randomUUID();
    await bus.publish(NumberCompleted, payload(t), { id: eventId });
    const [d] = await eventually(async () => {
      const items = (await call(svc, t, 'GET', `/v1/webhooks/${hook.id}/deliveries`)).body.items;
      return items[0]?.status === 'failed' ? items : undefined;
    }, 15_000);
    expect(d).toMatchObject({ status: 'failed', attempts: 2, lastStatusCode: statusCode });
    expect(d.lastError).toMatch(error);
    expect(rx.ofEvent(eventId)).toHaveLength(2);
    for (const res of hanging) res.destroy();
  });
});
