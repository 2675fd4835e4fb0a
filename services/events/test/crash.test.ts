import { randomUUID } from 'node:crypto';
import { NumberCompleted } from '@autocall/contracts';
import { RabbitBus } from '@autocall/bus';
import { eventually, freePort, newTenantId, PrivateRabbit, testDatabaseUrl, testLogger } from '@autocall/testing';
import { Receiver } from './helpers';
import { EventsProcess } from './process';

/**
 * Issue 16: the events service SIGKILLed mid-burst, then RabbitMQ restarted: every event reaches
 * the receiver (counted by webhook-id), none lost. On a RabbitMQ node of the test's own (the
 * machine's shared broker serves other test runs and is never restarted).
 */
const BURST = 100;
let rabbit: PrivateRabbit | undefined;
let events: EventsProcess | undefined;
let bus: RabbitBus | undefined;
let rx: Receiver | undefined;

afterAll(async () => {
  await events?.kill();
  await bus?.close();
  await rx?.close();
  await rabbit?.stop();
}, 120_000);


it('when the events service is SIGKILLed mid-burst and RabbitMQ restarts, then every event is delivered', async () => {
  rabbit = await new PrivateRabbit().start();
  rx = await Receiver.start();
  const receiver = rx;
  // a slow receiver, so the kill finds sends in flight
  receiver.behave = (_req, res) => void setTimeout(() => res.end('ok'), 20);
  events = await new EventsProcess(await freePort(), {
    DATABASE_URL: testDatabaseUrl(),
    AMQP_URL: rabbit.url(),
    EVENTS_QUEUE_PREFIX: `eventscrash.${randomUUID()}`,
    WEBHOOK_ALLOW_PRIVATE: 'true',
    WEBHOOK_RETRY_SCHEDULE: '100ms,200ms,500ms,1s,1s,1s,1s',
    WEBHOOK_TIMEOUT_MS: '1000',
    WEBHOOK_LEASE_MS: '3000',
    WEBHOOK_POLL_MS: '50',
  }).start();
  const t = newTenantId();
  const hook = await events.api('POST', '/v1/webhooks', t, { url: receiver.url, events: ['number.completed'] });
  expect(hook.status).toBe(201);
  bus = await RabbitBus.connect({ url: rabbit.url(), service: 'events-crash-test', logger: testLogger() }, 10_000);
  const sent: string[] = [];
  const publish = async (n: number) => {
    for (let i = 0; i < n; i++) {
      const id = randomUUID();
      await eventually(async () => {
        await bus!.publish(NumberCompleted, { tenantId: t, taskId: randomUUID(), phone: '+6287630021323', outcome: 'answered', attempts: 1, variables: {}, sms: null }, { id });
        return true;
      }, 60_000, 200);
      sent.push(id);
    }
  };
  const distinct = () => new Set(receiver.requests.map((r) => String(r.headers['webhook-id']))).size;

  await publish(BURST);
  await eventually(() => distinct() >= 20, 30_000);
  await events.kill(); // mid-burst: sends in flight, deliveries leased, messages unacknowledged
  await publish(BURST); // into the durable queue while nobody consumes
  await events.start();
  await eventually(() => distinct() >= BURST, 60_000);
  await rabbit.stopApp();
  await new Promise((r) => setTimeout(r, 3000));
  await rabbit.startApp();
  await publish(BURST); // waits for the broker, as an outbox relay would
  await eventually(() => distinct() === 3 * BURST, 90_000);
  const got = new Set(receiver.requests.map((r) => String(r.headers['webhook-id'])));
  expect(sent.filter((id) => !got.has(id))).toEqual([]);
  console.log(`events crash: ${3 * BURST} events, ${receiver.requests.length} requests at the receiver (${receiver.requests.length - 3 * BURST} repeated after the kill)`);
}, 240_000);
