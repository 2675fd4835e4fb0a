/**
 * A task's `sms.replyRules` (issue 17) against the real task service and its real neighbours
 * (recording, roster, sms; PostgreSQL, RabbitMQ).
 * @jest-environment-options {"customExportConditions": ["node", "node-addons", "module-sync"]}
 */
import { asTenant, createTemplate, expectProblem, newTenantId, putSmsAccount, sql } from '@autocall/testing';
import { TASK_SCHEMA } from '../src/app';
import { rosterRows, startRecording, startRoster, startSms, startTask, uploadRecording, uploadRoster } from './helpers';

let recording: Awaited<ReturnType<typeof startRecording>>;
let roster: Awaited<ReturnType<typeof startRoster>>;
let sms: Awaited<ReturnType<typeof startSms>>;
let task: Awaited<ReturnType<typeof startTask>>;

beforeAll(async () => {
  [recording, roster, sms] = await Promise.all([startRecording(), startRoster(), startSms()]);
  task = await startTask({});
}, 60_000);
afterAll(async () => {
  await task?.close();
  await sms?.close();
  await roster?.close();
  await recording?.close();
}, 30_000);

type Json = Record<string, any>;
const send = async (tenant: string, method: 'POST' | 'PATCH', url: string, payload: unknown) => {
  const res = await task.app.inject({ method, url, headers: asTenant(tenant), payload: payload as object });
  return res;
};

async function world(senderId = '+6281100001111') {
  const tenant = newTenantId();
  const [rec, ros] = await Promise.all([uploadRecording(recording, tenant), uploadRoster(roster, tenant, rosterRows(3))]);
  const missed = (await createTemplate(sms, tenant, { name: 'Missed', content: '[XX Company] You have a missed call. Reply with 1 for more information.' })).id;
  const info = (await createTemplate(sms, tenant, { name: 'Info', content: 'Our January promotion: 20% off.' })).id;
  await putSmsAccount(sms, tenant, { provider: 'simulated', senderId, status: 'active' });
  const body = (rules: unknown): Json => ({
    name: 'January 2026 Promotion',
    recordingId: rec.id,
    rosterId: ros.id,
    start: { mode: 'scheduled', at: '2030-01-15T09:00' },
    sms: { onUnanswered: { enabled: true, templateId: missed }, replyRules: rules },
  });
  return { tenant, info, body };
}

describe('reply rules on tasks', () => {
  it('when a task has reply rules, then they are shown, carried by the v2 snapshot (v1 beside it without them), their templates reserved, and PATCH replaces them', async () => {
    const w = await world();
    const rules = [{ keywords: ['1', 'YA'], action: 'tag', tag: 'interested', replyTemplateId: w.info }];
    const res = await send(w.tenant, 'POST', '/v1/tasks', w.body(rules));
    expect(res.statusCode).toBe(201);
    const created = res.json<Json>();
    expect(created.sms.replyRules).toEqual([{ keywords: ['1', 'YA'], action: 'tag', tag: 'interested', replyTemplateId: w.info }]);
    const events = await sql<{ name: string; version: number; payload: Json }>(`SELECT name, version, payload FROM ${TASK_SCHEMA}.outbox WHERE payload->>'taskId' = $1 AND name = 'task.created' ORDER BY version`, [created.id]);
    expect(events.map((e) => e.version)).toEqual([1, 2]);
    expect(events[0].payload.sms.replyRules).toBeUndefined();
    expect(events[1].payload.sms.replyRules).toEqual(created.sms.replyRules);
    expect(await sql(`SELECT task_id FROM sms.template_usages WHERE template_id = $1`, [w.info])).toEqual([{ task_id: created.id }]);

    const patched = await send(w.tenant, 'PATCH', `/v1/tasks/${created.id}`, { sms: { replyRules: [{ keywords: ['2'], action: 'tag', tag: 'call-me' }] } });
    expect(patched.statusCode).toBe(200);
    expect(patched.json<Json>().sms).toMatchObject({ onUnanswered: { enabled: true }, replyRules: [{ keywords: ['2'], action: 'tag', tag: 'call-me', replyTemplateId: null }] });
  });

  it('when reply rules are wrong, then 400 (duplicate keyword, opt-out keyword, unknown action, over 10, keyword over 20 chars) or 422 (alphanumeric sender, unapproved or unknown template), and nothing is created', async () => {
    const w = await world();
    const bad = async (rules: unknown, status: number, code: string) => expectProblem(await send(w.tenant, 'POST', '/v1/tasks', w.body(rules)), status, code);
    await bad([{ keywords: ['1'], action: 'tag', tag: 'a' }, { keywords: ['１'], action: 'tag', tag: 'b' }], 400, 'VALIDATION_FAILED');
    await bad([{ keywords: ['stop'], action: 'tag', tag: 'a' }], 400, 'VALIDATION_FAILED');
    await bad([{ keywords: ['1'], action: 'call', tag: 'a' }], 400, 'VALIDATION_FAILED');
    await bad(Array.from({ length: 11 }, (_, i) => ({ keywords: [String(i)], action: 'tag', tag: 't' })), 400, 'VALIDATION_FAILED');
    await bad([{ keywords: ['x'.repeat(21)], action: 'tag', tag: 'a' }], 400, 'VALIDATION_FAILED');
    await bad([{ keywords: ['1'], action: 'tag', tag: 'a', replyTemplateId: '0190c1d2-0000-7000-8000-000000000000' }], 422, 'TEMPLATE_NOT_FOUND');
    const alpha = await world('PROMO');
    expectProblem(await send(alpha.tenant, 'POST', '/v1/tasks', alpha.body([{ keywords: ['1'], action: 'tag', tag: 'a' }])), 422, 'SMS_SENDER_NOT_REPLYABLE');
    expect(await sql(`SELECT id FROM ${TASK_SCHEMA}.tasks WHERE tenant_id = ANY($1::uuid[])`, [[w.tenant, alpha.tenant]])).toEqual([]);
  });
});
