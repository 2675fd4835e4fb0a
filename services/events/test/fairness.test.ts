import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { NumberCompleted } from '@autocall/contracts';
import type { Bus } from '@autocall/bus';
import { connectTestBus, eventually, newTenantId, sql } from '@autocall/testing';
import { call, deleteTestQueues, Receiver, startEvents, type Events } from './helpers';

const payload = (tenantId: string) => ({ tenantId, taskId: randomUUID(), phone: '+6287630021323', outcome: 'answered', attempts: 1, variables: {}, sms: null });

/**
 * The events service with `env`, a bus to publish on, a receiver that never answers (its open
 * requests counted, and the most ever open at once) and one that answers at once; closed after the describe.
 */
function hangingWorld(env: Record<string, string>) {
  const w = { open: new Set<ServerResponse>(), mostOpen: 0 } as { svc: Events; bus: Bus; slow: Receiver; fast: Receiver; open: Set<ServerResponse>; mostOpen: number };
  beforeAll(async () => {
    w.svc = await startEvents(env);
    w.bus = await connectTestBus('events-test');
    w.slow = await Receiver.start();
    w.fast = await Receiver.start();
    w.slow.behave = (_req, res) => {
      w.open.add(res);
      w.mostOpen = Math.max(w.mostOpen, w.open.size);
      res.on('close', () => w.open.delete(res));
    };
  });
  afterAll(async () => {
    await w.svc?.close();
    await w.bus?.close();
    for (const r of w.open) r.destroy();
    await w.slow?.close();
    await w.fast?.close();
    await deleteTestQueues();
  });
  return w;
}

describe('a receiver that always times out holds only its own endpoint', () => {
  // 4 workers, at most 2 per endpoint: the slow endpoint can never take them all
  const w = hangingWorld({ WEBHOOK_CONCURRENCY: '4', WEBHOOK_ENDPOINT_CONCURRENCY: '2', WEBHOOK_TIMEOUT_MS: '1000', WEBHOOK_LEASE_MS: '3000', WEBHOOK_RETRY_SCHEDULE: '10s' });

  it("when tenant A's receiver never answers and 20 events wait for it, then tenant B's 10 events are all delivered while A's backlog still waits, and A never has more than 2 requests open", async () => {
    const { svc, bus, slow, fast, open } = w;
    const a = newTenantId();
    const b = newTenantId();
    const hookA = (await call(svc, a, 'POST', '/v1/webhooks', { url: slow.url, events: ['number.completed'] })).body;
    const hookB = (await call(svc, b, 'POST', '/v1/webhooks', { url: fast.url, events: ['number.completed'] })).body;
    for (let i = 0; i < 20; i++) await bus.publish(NumberCompleted, payload(a), { id: randomUUID() });
    await eventually(() => open.size === 2); // A's receiver holds its two workers
    const bIds = Array.from({ length: 10 }, () => randomUUID());
    for (const id of bIds) await bus.publish(NumberCompleted, payload(b), { id });
    await eventually(() => bIds.every((id) => fast.ofEvent(id).length === 1), 15_000);
    const [waitingA] = await sql<{ n: string }>(`SELECT count(*) AS n FROM events.deliveries WHERE webhook_id = $1 AND attempts = 0`, [hookA.id]);
    // 2 workers through a 1 s timeout: A's first attempts take 10 s; B got through meanwhile
    expect(Number(waitingA.n)).toBeGreaterThan(0);
    await eventually(async () => {
      const rows = await sql<{ status: string; n: string }>(`SELECT status, count(*) AS n FROM events.deliveries WHERE webhook_id = $1 GROUP BY status`, [hookB.id]);
      return rows.length === 1 && rows[0].status === 'delivered' && Number(rows[0].n) === 10;
    });
    expect(w.mostOpen).toBe(2);
  });
});

describe("one tenant's slow receivers hold at most its share of the workers", () => {
  // 6 workers, 2 per endpoint, 3 per tenant: tenant A's three hanging endpoints could take all six without the tenant's limit
  const w = hangingWorld({ WEBHOOK_CONCURRENCY: '6', WEBHOOK_ENDPOINT_CONCURRENCY: '2', WEBHOOK_TENANT_CONCURRENCY: '3', WEBHOOK_TIMEOUT_MS: '2000', WEBHOOK_LEASE_MS: '6000', WEBHOOK_RETRY_SCHEDULE: '10s' });

  it("when tenant A has three endpoints whose receiver never answers, then A never has more than 3 requests open and tenant B's events are delivered while A's wait", async () => {
    const { svc, bus, slow, fast, open } = w;
    const a = newTenantId();
    const b = newTenantId();
    for (let i = 0; i < 3; i++) expect((await call(svc, a, 'POST', '/v1/webhooks', { url: `${slow.url}/a${i}`, events: ['number.completed'] })).status).toBe(201);
    const hookB = (await call(svc, b, 'POST', '/v1/webhooks', { url: fast.url, events: ['number.completed'] })).body;
    for (let i = 0; i < 10; i++) await bus.publish(NumberCompleted, payload(a), { id: randomUUID() });
    await eventually(() => open.size === 3); // A's share, not the six workers
    const bIds = Array.from({ length: 10 }, () => randomUUID());
    for (const id of bIds) await bus.publish(NumberCompleted, payload(b), { id });
    await eventually(() => bIds.every((id) => fast.ofEvent(id).length === 1), 15_000);
    const [leased] = await sql<{ n: string }>(`SELECT count(*) AS n FROM events.deliveries WHERE tenant_id = $1 AND status = 'pending' AND lease_until > now()`, [a]);
    expect(Number(leased.n)).toBeLessThanOrEqual(3);
    expect(hookB.id).toEqual(expect.any(String));
    expect(w.mostOpen).toBe(3);
  });
});
