import { randomUUID } from 'node:crypto';
import { ContactPolicyUpdated, DncAdd, DncChanged, NO_TENANT_LIMITS, NumberTagged, SmsInbound, SmsStatusChanged, TaskCreatedV2, TenantLimitsUpdated, type NumberTaggedT, type SmsInboundMessage } from '@autocall/contracts';
import { on, type Bus } from '@autocall/bus';
import { asTenant, connectTestBus, eventually, expectProblem, newTenantId } from '@autocall/testing';
import { signBody } from '../src/domain/callback-signature';
import { callCompleted, createTemplate, deleteTestQueues, messagesOf, publishCall, publishTask, putAccount, startSms, taskSnapshot, type Sms } from './helpers';

let sms: Sms;
let bus: Bus;
const eventsQueue = `smstest.twoway.${randomUUID()}`;
const statuses: { message: { id: string; status: string } }[] = [];
const inbound: { message: SmsInboundMessage }[] = [];
const tagged: NumberTaggedT[] = [];
let dncVersion = 0;
const nextVersion = () => ++dncVersion;

beforeAll(async () => {
  sms = await startSms({ SMS_SIM_DLR_MS: '200', PUBLIC_BASE_URL: 'https://autocall.example.com' });
  bus = await connectTestBus('smstest');
  // the dialer's part, as it does it: dnc.add lists the number and announces it (dnc.changed)
  await bus.respond(DncAdd, async (q) => {
    await bus.publish(DncChanged, { tenantId: q.tenantId, phones: [q.phone], listed: true, version: nextVersion(), changedAt: new Date().toISOString() });
    return { created: true, entry: { phone: q.phone, rawPhone: q.phone, reason: q.reason ?? null, source: q.source, createdAt: new Date().toISOString(), createdBy: q.createdBy ?? null } };
  });
  await bus.subscribe(eventsQueue, [
    on(SmsStatusChanged, async (p) => void statuses.push(p)),
    on(SmsInbound, async (p) => void inbound.push(p)),
    on(NumberTagged, async (p) => void tagged.push(p)),
  ]);
});
afterAll(async () => {
  await sms?.close();
  await bus?.close();
  await deleteTestQueues([], [eventsQueue]);
});

const tokenOf = (callbackUrl: string) => callbackUrl.split('/').pop()!;

async function tenantWithAccount(extra: Record<string, unknown> = {}) {
  const tenantId = newTenantId();
  const res = await putAccount(sms, tenantId, { provider: 'simulated', senderId: '+6281100001111', status: 'active', ...extra });
  expect(res.statusCode).toBe(200);
  const account = res.json<{ callbackUrl: string }>();
  return { tenantId, token: tokenOf(account.callbackUrl), account };
}

/** A provider's callback, straight to the service (the gateway's proxy passes the body through untouched). */
const post = (token: string, what: 'delivery' | 'inbound', body: unknown, headers: Record<string, string> = {}) =>
  sms.app.inject({
    method: 'POST',
    url: `/v1/sms-callbacks/${token}/${what}`,
    headers: { ...asTenant(''), 'content-type': 'application/json', ...headers },
    payload: typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body),
  });

async function sentMessage(tenantId: string, phone: string, templateId: string) {
  const task = taskSnapshot({ tenantId, disconnect: { templateId } });
  await publishTask(bus, task);
  await eventually(async () => ((await sms.deps.db.query(`SELECT 1 FROM tasks WHERE task_id = $1`, [task.taskId])) as unknown[]).length > 0);
  await publishCall(bus, callCompleted(task, { phone, outcome: 'answered' }));
  const [msg] = await eventually(async () => {
    const items = await messagesOf(sms, tenantId, task.taskId);
    return items.length === 1 && items[0].status !== 'queued' ? items : undefined;
  }, 15_000);
  return { task, msg };
}

const inboundOf = async (tenantId: string, query = '') => {
  const res = await sms.app.inject({ method: 'GET', url: `/v1/sms-inbound?${query}`, headers: asTenant(tenantId) });
  expect(res.statusCode).toBe(200);
  return res.json<{ items: SmsInboundMessage[] }>().items;
};

describe('two-way SMS: the account', () => {
  it('when an account is set, then it has a callback URL under PUBLIC_BASE_URL and the default opt-out keywords; rotating makes a new one and the old token is 404', async () => {
    const { tenantId, token, account } = await tenantWithAccount();
    expect(account).toMatchObject({ optOutKeywords: ['STOP', 'BERHENTI', 'UNREG', 'UNSUBSCRIBE'], optOutReplyTemplateId: null });
    expect(account.callbackUrl).toMatch(/^https:\/\/autocall\.example\.com\/v1\/sms-callbacks\/[A-Za-z0-9_-]{43}$/);
    const again = await putAccount(sms, tenantId, { provider: 'simulated', senderId: '+6281100001111', status: 'active', optOutKeywords: ['STOP', 'KELUAR'] });
    expect(again.json()).toMatchObject({ callbackUrl: account.callbackUrl, optOutKeywords: ['STOP', 'KELUAR'] });
    const rotated = await sms.app.inject({ method: 'POST', url: '/v1/sms-account/rotate-callback-token', headers: asTenant(tenantId) });
    expect(rotated.statusCode).toBe(200);
    const fresh = tokenOf(rotated.json<{ callbackUrl: string }>().callbackUrl);
    expect(fresh).not.toBe(token);
    expectProblem(await post(token, 'inbound', { from: '081234567890', text: 'hi' }), 404, 'CALLBACK_NOT_FOUND');
    expect((await post(fresh, 'inbound', { from: '081234567890', text: 'hi' })).statusCode).toBe(204);
  });

  it('when a sender id is neither a number nor up to 11 characters, then 400; an unknown token is 404 whatever it looks like', async () => {
    const tenantId = newTenantId();
    const res = await sms.app.inject({ method: 'PUT', url: '/v1/sms-account', headers: asTenant(tenantId), payload: { provider: 'simulated', senderId: 'PROMOTIONS12', status: 'active' } });
    expectProblem(res, 400, 'SENDER_ID_INVALID');
    expectProblem(await post('no-such-token', 'delivery', { messageId: randomUUID(), status: 'delivered' }), 404, 'CALLBACK_NOT_FOUND');
  });
});

describe('two-way SMS: delivery receipts', () => {
  it('when the simulated provider reports, then SMS become delivered (undelivered for numbers ending in 7) with sms.status events', async () => {
    const { tenantId } = await tenantWithAccount();
    const templateId = await createTemplate(sms, tenantId, 'Thanks for your time');
    const { task: t1 } = await sentMessage(tenantId, '+6281200000010', templateId);
    const { task: t7 } = await sentMessage(tenantId, '+6281200000017', templateId);
    const [ok] = await eventually(async () => {
      const items = await messagesOf(sms, tenantId, t1.taskId);
      return items[0]?.status === 'delivered' ? items : undefined;
    });
    expect(ok.deliveredAt).not.toBeNull();
    expect(ok.deliveryError).toBeNull();
    const [bad] = await eventually(async () => {
      const items = await messagesOf(sms, tenantId, t7.taskId);
      return items[0]?.status === 'undelivered' ? items : undefined;
    });
    expect(bad).toMatchObject({ deliveredAt: null, deliveryError: 'SIM_UNREACHABLE' });
    await eventually(() => statuses.some((s) => s.message.id === ok.id && s.message.status === 'delivered') && statuses.some((s) => s.message.id === bad.id && s.message.status === 'undelivered'));
    const listed = await sms.app.inject({ method: 'GET', url: `/v1/sms-messages?status=delivered&taskId=${t1.taskId}`, headers: asTenant(tenantId) });
    expect(listed.json<{ items: { id: string }[] }>().items.map((i) => i.id)).toEqual([ok.id]);
  });

  it('when receipts are posted, then a duplicate is stored once, a final state never goes back, and receipts for messages not ours are 204 and change nothing', async () => {
    const { tenantId, token } = await tenantWithAccount();
    const other = await tenantWithAccount();
    const templateId = await createTemplate(sms, tenantId, 'Thanks');
    const { task, msg } = await sentMessage(tenantId, '+6281200000020', templateId);
    expect((await post(other.token, 'delivery', { messageId: msg.id, status: 'undelivered' })).statusCode).toBe(204);
    expect((await post(token, 'delivery', { messageId: 'not-a-uuid', status: 'delivered' })).statusCode).toBe(204);
    expect((await post(token, 'delivery', { messageId: randomUUID(), status: 'delivered' })).statusCode).toBe(204);
    expect((await messagesOf(sms, tenantId, task.taskId))[0].status).toBe('sent');
    const at = '2026-01-15T09:00:05.000Z';
    for (let i = 0; i < 2; i++) expect((await post(token, 'delivery', { messageId: msg.id, status: 'delivered', at })).statusCode).toBe(204);
    expect((await post(token, 'delivery', { messageId: msg.id, status: 'undelivered', errorCode: 'X' })).statusCode).toBe(204);
    const [after] = await messagesOf(sms, tenantId, task.taskId);
    expect(after).toMatchObject({ status: 'delivered', deliveredAt: at, deliveryError: null });
    const kept = await sms.deps.db.query(`SELECT status FROM delivery_receipts WHERE message_id = $1 ORDER BY status`, [msg.id]);
    expect(kept).toEqual([{ status: 'delivered' }, { status: 'undelivered' }]);
  });

  it('when a message has two parts and one is undelivered, then it is undelivered; a receipt that came before the send settled is applied when it does', async () => {
    const { tenantId, token } = await tenantWithAccount();
    const templateId = await createTemplate(sms, tenantId, 'x'.repeat(200)); // two parts
    const { task, msg } = await sentMessage(tenantId, '+6281200000030', templateId);
    expect(msg.segments).toBe(2);
    expect((await post(token, 'delivery', { messageId: msg.id, status: 'delivered', part: 1, parts: 2 })).statusCode).toBe(204);
    expect((await messagesOf(sms, tenantId, task.taskId))[0].status).toBe('sent');
    expect((await post(token, 'delivery', { messageId: msg.id, status: 'undelivered', part: 2, parts: 2, errorCode: 'ABSENT' })).statusCode).toBe(204);
    expect((await messagesOf(sms, tenantId, task.taskId))[0]).toMatchObject({ status: 'undelivered', deliveryError: 'ABSENT' });

    // a receipt for a message still queued (its send not settled): kept, applied once it is sent
    const early = randomUUID();
    await sms.deps.db.query(
      `INSERT INTO messages (id, tenant_id, task_id, phone, kind, status, text, segments, next_attempt_at) VALUES ($1, $2, $3, '+6281200000031', 'unanswered', 'queued', 'hi', 1, now() + interval '1 hour')`,
      [early, tenantId, task.taskId],
    );
    expect((await post(token, 'delivery', { messageId: early, status: 'delivered' })).statusCode).toBe(204);
    expect((await sms.deps.db.query(`SELECT status FROM messages WHERE id = $1`, [early]))[0].status).toBe('queued');
    await sms.deps.db.query(`UPDATE messages SET next_attempt_at = now() WHERE id = $1`, [early]);
    await eventually(async () => (await sms.deps.db.query(`SELECT status FROM messages WHERE id = $1`, [early]))[0].status === 'delivered');
  });

  it('when a callback secret is set, then an unsigned or wrongly signed callback is 401 and changes nothing, a signed one is 204', async () => {
    const secret = 'callback-secret-0123456789';
    const { tenantId, token } = await tenantWithAccount({ settings: { callbackSecret: secret } });
    const body = JSON.stringify({ from: '081234567891', text: 'halo', id: 'p-1' });
    expectProblem(await post(token, 'inbound', body), 401, 'CALLBACK_SIGNATURE_INVALID');
    expectProblem(await post(token, 'inbound', body, { 'x-signature': signBody('wrong-secret-0123456789', body) }), 401, 'CALLBACK_SIGNATURE_INVALID');
    expect(await inboundOf(tenantId)).toEqual([]);
    expect((await post(token, 'inbound', body, { 'x-signature': signBody(secret, body) })).statusCode).toBe(204);
    expect((await inboundOf(tenantId)).map((i) => i.text)).toEqual(['halo']);
    const account = await sms.app.inject({ method: 'GET', url: '/v1/sms-account', headers: asTenant(tenantId) });
    expect(account.json().settings).toMatchObject({ callbackSecretSet: true });
    expect(account.body).not.toContain(secret);
  });
});

describe('two-way SMS: replies', () => {
  it('when a reply arrives, then it is stored once (by id, or by from + text + at), matched to the latest SMS sent to that number, listed newest first with sms.inbound', async () => {
    const { tenantId, token } = await tenantWithAccount();
    const templateId = await createTemplate(sms, tenantId, 'Reply with 1 for more information.');
    const { task, msg } = await sentMessage(tenantId, '+6281200000040', templateId);
    for (let i = 0; i < 2; i++) expect((await post(token, 'inbound', { id: 'prov-1', from: '081200000040', text: 'what is this?' })).statusCode).toBe(204);
    for (let i = 0; i < 2; i++) expect((await post(token, 'inbound', { from: '6281200000040', text: 'hello', at: '2026-01-15T09:00:00Z' })).statusCode).toBe(204);
    expect((await post(token, 'inbound', { from: '+6281200000099', text: 'who?' })).statusCode).toBe(204);
    const items = await inboundOf(tenantId);
    expect(items.map((i) => [i.from, i.text, i.taskId, i.messageId])).toEqual([
      ['+6281200000099', 'who?', null, null],
      ['+6281200000040', 'hello', task.taskId, msg.id],
      ['+6281200000040', 'what is this?', task.taskId, msg.id],
    ]);
    expect(items[0].action).toEqual({ type: 'none', tag: null });
    expect((await inboundOf(tenantId, `taskId=${task.taskId}`)).length).toBe(2);
    expect((await inboundOf(tenantId, 'from=081200000099')).map((i) => i.text)).toEqual(['who?']);
    expect(await inboundOf(newTenantId())).toEqual([]);
    await eventually(() => inbound.filter((e) => e.message.from === '+6281200000040' && e.message.taskId === task.taskId).length === 2);
  });

  it('when a reply is not a number, lacks text or is not JSON, then 400; odd characters are kept as U+FFFD and answered 204; over 64 KiB is 413', async () => {
    const { tenantId, token } = await tenantWithAccount();
    expectProblem(await post(token, 'inbound', { from: 'hello', text: 'x' }), 400, 'INVALID_PHONE');
    expect((await post(token, 'inbound', { from: '081234567892' })).statusCode).toBe(400);
    expect((await post(token, 'inbound', '{"from": ')).statusCode).toBe(400);
    expect((await post(token, 'delivery', { status: 'delivered' })).statusCode).toBe(400);
    expect((await post(token, 'inbound', '{"from":"081234567893","text":"STOP\\u0000 \\ud800"}')).statusCode).toBe(204);
    const [odd] = await inboundOf(tenantId);
    expect(odd.text).toBe('STOP\ufffd \ufffd');
    expect(odd.action.type).toBe('optOut');
    expect((await post(token, 'inbound', { from: '081234567894', text: 'x'.repeat(70_000) })).statusCode).toBe(413);
  });

  it('when a number replies with an opt-out keyword (any case, full width, punctuation), then it is opted out with number.tagged, confirmed once, and gets no other SMS (skipped, DNC)', async () => {
    const { tenantId, token } = await tenantWithAccount();
    const confirm = await createTemplate(sms, tenantId, 'You will not hear from us again.');
    await putAccount(sms, tenantId, { provider: 'simulated', senderId: '+6281100001111', status: 'active', optOutReplyTemplateId: confirm });
    const templateId = await createTemplate(sms, tenantId, 'Reply with 1 for more information.');
    const { task } = await sentMessage(tenantId, '+6281200000050', templateId);
    expect((await post(token, 'inbound', { id: 'a', from: '081200000050', text: 'ｕｎｒｅｇ!' })).statusCode).toBe(204);
    expect((await post(token, 'inbound', { id: 'b', from: '081200000050', text: 'Stop.' })).statusCode).toBe(204);
    const replies = await inboundOf(tenantId);
    expect(replies.map((r) => r.action.type)).toEqual(['optOut', 'optOut']);
    await eventually(() => tagged.some((t) => t.tenantId === tenantId && t.phone === '+6281200000050' && t.optOut && t.source === 'sms-reply' && t.taskId === task.taskId));
    const confirmations = await eventually(async () => {
      const rows = (await sms.deps.db.query(`SELECT kind, status, text FROM messages WHERE tenant_id = $1 AND kind = 'optOutReply'`, [tenantId])) as { status: string }[];
      return rows.length === 1 && rows[0].status !== 'queued' ? rows : undefined;
    });
    expect(confirmations).toEqual([{ kind: 'optOutReply', status: 'sent', text: 'You will not hear from us again.' }]);
    // a later follow-up to that number is not sent
    const later = taskSnapshot({ tenantId, unanswered: { templateId } });
    await publishTask(bus, later);
    await eventually(async () => ((await sms.deps.db.query(`SELECT 1 FROM tasks WHERE task_id = $1`, [later.taskId])) as unknown[]).length > 0);
    await publishCall(bus, callCompleted(later, { phone: '+6281200000050', outcome: 'no_answer' }));
    const [skipped] = await eventually(async () => {
      const items = await messagesOf(sms, tenantId, later.taskId);
      return items.length === 1 && items[0].status !== 'queued' ? items : undefined;
    }, 15_000);
    expect(skipped).toMatchObject({ status: 'skipped', failureReason: 'DNC' });
  });
});

describe('two-way SMS: reply rules', () => {
  it('when a number answers the missed-call SMS with "1" (full width, with punctuation), then the reply is matched to its task, the number is tagged "interested" (number.tagged) and the rule\'s reply is sent once', async () => {
    const { tenantId, token } = await tenantWithAccount();
    const missed = await createTemplate(sms, tenantId, '[XX Company] You have a missed call. Reply with 1 for more information.');
    const info = await createTemplate(sms, tenantId, 'Our January promotion: 20% off, {{taskName}}.');
    const v1 = taskSnapshot({ tenantId, name: 'January Promotion', unanswered: { templateId: missed } });
    const task = { ...v1, sms: { ...v1.sms, replyRules: [{ keywords: ['1', 'ya'], action: 'tag' as const, tag: 'interested', replyTemplateId: info }] } };
    await bus.publish(TaskCreatedV2, task);
    await publishTask(bus, v1); // the v1 beside it changes nothing
    await eventually(async () => ((await sms.deps.db.query(`SELECT sms FROM tasks WHERE task_id = $1`, [task.taskId])) as { sms: { replyRules?: unknown[] } }[])[0]?.sms.replyRules?.length === 1);
    await publishCall(bus, callCompleted(task, { phone: '+6281200000075', outcome: 'no_answer' }));
    await eventually(async () => (await messagesOf(sms, tenantId, task.taskId)).some((m) => m.kind === 'unanswered' && m.status === 'sent'), 15_000);
    expect((await post(token, 'inbound', { id: 'r-1', from: '081200000075', text: '１.' })).statusCode).toBe(204);
    expect((await post(token, 'inbound', { id: 'r-2', from: '081200000075', text: 'Ya!' })).statusCode).toBe(204);
    const replies = await inboundOf(tenantId, `taskId=${task.taskId}`);
    expect(replies.map((r) => r.action)).toEqual([{ type: 'tag', tag: 'interested' }, { type: 'tag', tag: 'interested' }]);
    await eventually(() => tagged.filter((t) => t.taskId === task.taskId && t.tag === 'interested' && !t.optOut && t.phone === '+6281200000075').length === 2);
    const answers = await eventually(async () => {
      const items = (await messagesOf(sms, tenantId, task.taskId)).filter((m) => m.kind === 'reply');
      return items.length === 1 && items[0].status === 'sent' ? items : undefined;
    });
    expect(answers[0]).toMatchObject({ phone: '+6281200000075', text: 'Our January promotion: 20% off, January Promotion.', templateId: info });
    expect((await sms.deps.db.query(`SELECT count(*)::int AS n FROM simulated_outbox WHERE kind = 'reply' AND task_id = $1`, [task.taskId]))[0].n).toBe(1);
  });
});

describe('two-way SMS: a rule\'s reply and the SMS caps', () => {
  /** A task whose missed-call SMS has the rule "1" → tag "interested" and reply with `info`, known to the service. */
  async function ruleTask(tenantId: string, missed: string, info: string) {
    const v1 = taskSnapshot({ tenantId, unanswered: { templateId: missed } });
    const task = { ...v1, sms: { ...v1.sms, replyRules: [{ keywords: ['1'], action: 'tag' as const, tag: 'interested', replyTemplateId: info }] } };
    await bus.publish(TaskCreatedV2, task);
    await eventually(async () => ((await sms.deps.db.query(`SELECT 1 FROM tasks WHERE task_id = $1`, [task.taskId])) as unknown[]).length > 0);
    return task;
  }
  const settledOf = async (tenantId: string, taskId: string, n: number) =>
    eventually(async () => {
      const items = await messagesOf(sms, tenantId, taskId);
      return items.length === n && items.every((i) => i.status !== 'queued') ? items : undefined;
    }, 15_000);

  it('when the contact policy allows 1 SMS per number a day, then the rule\'s reply to a number that got its follow-up is skipped CONTACT_LIMIT, and an opt-out\'s confirmation is still sent', async () => {
    const { tenantId, token } = await tenantWithAccount();
    const [missed, info, confirm] = [await createTemplate(sms, tenantId, 'Missed call. Reply with 1.'), await createTemplate(sms, tenantId, 'Here is more.'), await createTemplate(sms, tenantId, 'Bye.')];
    await putAccount(sms, tenantId, { provider: 'simulated', senderId: '+6281100001111', status: 'active', optOutReplyTemplateId: confirm });
    const updatedAt = new Date().toISOString();
    await bus.publish(ContactPolicyUpdated, { tenantId, maxCallsPerNumberPerDay: null, maxSmsPerNumberPerDay: 1, updatedAt });
    await eventually(async () => ((await sms.deps.db.query(`SELECT 1 FROM contact_policies WHERE tenant_id = $1`, [tenantId])) as unknown[]).length > 0);
    const task = await ruleTask(tenantId, missed, info);
    await publishCall(bus, callCompleted(task, { phone: '+6281200000085', outcome: 'no_answer' }));
    await settledOf(tenantId, task.taskId, 1);
    expect((await post(token, 'inbound', { id: 'cap-1', from: '081200000085', text: '1' })).statusCode).toBe(204);
    const [reply] = (await settledOf(tenantId, task.taskId, 2)).filter((m) => m.kind === 'reply');
    expect(reply).toMatchObject({ status: 'skipped', failureReason: 'CONTACT_LIMIT', text: 'Here is more.' });
    await eventually(() => statuses.some((st) => st.message.id === reply.id && st.message.status === 'skipped'));
    expect((await post(token, 'inbound', { id: 'cap-2', from: '081200000085', text: 'STOP' })).statusCode).toBe(204);
    const [confirmation] = (await settledOf(tenantId, task.taskId, 3)).filter((m) => m.kind === 'optOutReply');
    expect(confirmation).toMatchObject({ status: 'sent', text: 'Bye.' });
  });

  it('when the tenant may send 2 SMS a day, then a follow-up and its rule\'s reply use them up and the next follow-up is skipped TENANT_LIMIT', async () => {
    const { tenantId, token } = await tenantWithAccount();
    const [missed, info] = [await createTemplate(sms, tenantId, 'Missed call. Reply with 1.'), await createTemplate(sms, tenantId, 'Here is more.')];
    await bus.publish(TenantLimitsUpdated, { tenantId, version: 1, limits: { ...NO_TENANT_LIMITS, smsPerDay: 2 }, updatedAt: new Date().toISOString() });
    await eventually(async () => ((await sms.deps.db.query(`SELECT 1 FROM tenant_limits WHERE tenant_id = $1`, [tenantId])) as unknown[]).length > 0);
    const task = await ruleTask(tenantId, missed, info);
    await publishCall(bus, callCompleted(task, { phone: '+6281200000086', outcome: 'no_answer' }));
    await settledOf(tenantId, task.taskId, 1);
    expect((await post(token, 'inbound', { id: 'lim-1', from: '081200000086', text: '1' })).statusCode).toBe(204);
    const [reply] = (await settledOf(tenantId, task.taskId, 2)).filter((m) => m.kind === 'reply');
    expect(reply.status).toBe('sent');
    await publishCall(bus, callCompleted(task, { phone: '+6281200000096', outcome: 'no_answer' }));
    const later = (await settledOf(tenantId, task.taskId, 3)).find((m) => m.phone === '+6281200000096');
    expect(later).toMatchObject({ kind: 'unanswered', status: 'skipped', failureReason: 'TENANT_LIMIT' });
  });
});

describe('two-way SMS: the DNC list as the dialer changes it', () => {
  const listing = async (tenantId: string, phone: string) =>
    ((await sms.deps.db.query(`SELECT listed FROM dnc_numbers WHERE tenant_id = $1 AND phone = $2`, [tenantId, phone])) as { listed: boolean }[])[0]?.listed;
  const changed = (tenantId: string, phones: string[], listed: boolean, version = nextVersion()) =>
    bus.publish(DncChanged, { tenantId, phones, listed, version, changedAt: new Date().toISOString() });
  async function followUpOf(tenantId: string, templateId: string, phone: string) {
    const task = taskSnapshot({ tenantId, unanswered: { templateId } });
    await publishTask(bus, task);
    await eventually(async () => ((await sms.deps.db.query(`SELECT 1 FROM tasks WHERE task_id = $1`, [task.taskId])) as unknown[]).length > 0);
    await publishCall(bus, callCompleted(task, { phone, outcome: 'no_answer' }));
    const [msg] = await eventually(async () => {
      const items = await messagesOf(sms, tenantId, task.taskId);
      return items.length === 1 && items[0].status !== 'queued' ? items : undefined;
    }, 15_000);
    return msg;
  }

  it('when a number opted out is taken off the DNC list, then its next follow-up is sent again', async () => {
    const { tenantId, token } = await tenantWithAccount();
    const templateId = await createTemplate(sms, tenantId, 'Missed call.');
    const phone = '+6281200000088';
    expect((await followUpOf(tenantId, templateId, phone)).status).toBe('sent');
    expect((await post(token, 'inbound', { id: 'dnc-1', from: '081200000088', text: 'UNREG' })).statusCode).toBe(204);
    // the opt-out reached the list (dnc.add answered) and the list's change came back
    await eventually(async () => (await listing(tenantId, phone)) === true);
    await eventually(async () => ((await sms.deps.db.query(`SELECT 1 FROM inbound_messages WHERE tenant_id = $1 AND pending`, [tenantId])) as unknown[]).length === 0);
    expect(await followUpOf(tenantId, templateId, phone)).toMatchObject({ status: 'skipped', failureReason: 'DNC' });
    // DELETE /v1/dnc/+6281200000088 on the dialer
    await changed(tenantId, [phone], false);
    await eventually(async () => (await listing(tenantId, phone)) === false);
    expect(await followUpOf(tenantId, templateId, phone)).toMatchObject({ status: 'sent', failureReason: null });
    // another tenant's list is its own
    const other = await tenantWithAccount();
    const otherTemplate = await createTemplate(sms, other.tenantId, 'Missed call.');
    await changed(other.tenantId, ['+6281200000089'], true);
    await eventually(async () => (await listing(other.tenantId, '+6281200000089')) === true);
    expect((await followUpOf(tenantId, templateId, '+6281200000089')).status).toBe('sent');
    expect((await followUpOf(other.tenantId, otherTemplate, '+6281200000089')).status).toBe('skipped');
  });

  it('when a number is listed after its call ended and before its SMS goes, then the SMS is skipped DNC; an older change arriving late changes nothing', async () => {
    const { tenantId } = await tenantWithAccount();
    const templateId = await createTemplate(sms, tenantId, 'Missed call.');
    const task = taskSnapshot({ tenantId, unanswered: { templateId } });
    await publishTask(bus, task);
    await eventually(async () => ((await sms.deps.db.query(`SELECT 1 FROM tasks WHERE task_id = $1`, [task.taskId])) as unknown[]).length > 0);
    // a follow-up made (its call not on the list when it ended) and not sent yet
    const waiting = randomUUID();
    await sms.deps.db.query(
      `INSERT INTO messages (id, tenant_id, task_id, phone, kind, status, text, segments, next_attempt_at) VALUES ($1, $2, $3, '+6281200000090', 'unanswered', 'queued', 'hi', 1, now() + interval '1 hour')`,
      [waiting, tenantId, task.taskId],
    );
    const version = nextVersion();
    await changed(tenantId, ['+6281200000090', '+6281200000091'], true, version);
    await eventually(async () => (await listing(tenantId, '+6281200000090')) === true);
    await sms.deps.db.query(`UPDATE messages SET next_attempt_at = now() WHERE id = $1`, [waiting]);
    const [skipped] = await eventually(async () => {
      const items = await messagesOf(sms, tenantId, task.taskId);
      return items[0]?.status === 'skipped' ? items : undefined;
    });
    expect(skipped).toMatchObject({ id: waiting, failureReason: 'DNC' });
    expect((await sms.deps.db.query(`SELECT count(*)::int AS n FROM simulated_outbox WHERE task_id = $1`, [task.taskId]))[0].n).toBe(0);
    // removed (newer), then the listing's message again with its older version: the removal stands
    await changed(tenantId, ['+6281200000091'], false);
    await eventually(async () => (await listing(tenantId, '+6281200000091')) === false);
    await changed(tenantId, ['+6281200000091'], true, version);
    await changed(tenantId, ['+6281200000092'], true);
    await eventually(async () => (await listing(tenantId, '+6281200000092')) === true);
    expect(await listing(tenantId, '+6281200000091')).toBe(false);
  });
});

describe('two-way SMS: simulate-inbound', () => {
  it('when the account is simulated, then simulate-inbound stores the reply as a provider would; with the http provider it is 409', async () => {
    const { tenantId } = await tenantWithAccount();
    const res = await sms.app.inject({ method: 'POST', url: '/v1/sms-account/simulate-inbound', headers: asTenant(tenantId), payload: { from: '081200000060', text: 'halo' } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ from: '+6281200000060', text: 'halo', taskId: null, action: { type: 'none', tag: null } });
    const { tenantId: http } = await tenantWithAccount();
    await sms.deps.db.query(`UPDATE accounts SET provider = 'http', settings = '{"url": "https://sms.example.com/send"}' WHERE tenant_id = $1`, [http]);
    const refused = await sms.app.inject({ method: 'POST', url: '/v1/sms-account/simulate-inbound', headers: asTenant(http), payload: { from: '081200000060', text: 'halo' } });
    expectProblem(refused, 409, 'SIMULATED_PROVIDER_ONLY');
  });
});
