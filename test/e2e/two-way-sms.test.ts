/**
 * Issue 17's closed loop, through the gateway with every service in-process: SMS sent → delivered
 * (undelivered for a number ending in 7) in /sms-messages; a reply "1" to the missed-call SMS tags
 * the number "interested" and its reply goes once; "UNREG" puts the number on the DNC list and a
 * later task of the tenant does not call it (suppressed); taken off the DNC list, it is called and
 * texted again. The first task's calls show each SMS's delivery and the reply's tag.
 * @jest-environment-options {"customExportConditions": ["node", "node-addons", "module-sync"]}
 */
import { eventually, sql } from '@autocall/testing';
import { call, newTenant, OPEN_DIALING, simCallsPerNumber, startPlatform, uploadRecording, uploadRoster, type Platform } from './platform';

let p: Platform;
beforeAll(async () => {
  p = await startPlatform({ dialerEnv: { SIM_TIME_SCALE: '0' }, env: { SMS_SIM_DLR_MS: '300' } });
}, 40_000);
afterAll(async () => {
  await p?.close();
});

it('when a task texts missed calls and the numbers answer "1" and "UNREG", then delivery and the tag show on the calls, the rule answers once, a later task suppresses the opted-out number, and once it is off the DNC list it is called and texted again', async () => {
  const { id: tenantId, auth } = await newTenant(p.url);
  const api = (method: string, path: string, json?: unknown) => call(p.url, method, path, { headers: auth, json });
  const recording = await uploadRecording(p.url, auth);
  const roster = await uploadRoster(p.url, auth, [
    { phone: '87630021715', name: 'Sari', orderId: 'ORD-1' },
    { phone: '87630021717', name: 'Budi', orderId: 'ORD-2' },
  ]);
  expect(roster.body.status).toBe('ready');
  const missed = (await api('POST', '/v1/sms-templates', { name: 'Missed', content: '[XX Company] You have a missed call. Reply with 1 for more information.' })).body.id as string;
  const info = (await api('POST', '/v1/sms-templates', { name: 'Info', content: 'Our January promotion: 20% off.' })).body.id as string;
  expect((await api('PUT', '/v1/sms-account', { provider: 'simulated', senderId: '+6281100001111', status: 'active' })).status).toBe(200);
  const taskBody = (name: string) => ({
    name,
    recordingId: recording.body.id,
    rosterId: roster.body.id,
    start: { mode: 'immediate' },
    sms: { onUnanswered: { enabled: true, templateId: missed }, replyRules: [{ keywords: ['1'], action: 'tag', tag: 'interested', replyTemplateId: info }] },
    dialing: OPEN_DIALING,
  });
  const first = await api('POST', '/v1/tasks', taskBody('Missed calls'));
  expect(first.status).toBe(201);
  const taskId = first.body.id as string;
  const messages = async () => (await api('GET', `/v1/sms-messages?taskId=${taskId}&limit=20`)).body.items as { phone: string; kind: string; status: string; deliveryError: string | null }[];
  const followUps = await eventually(async () => {
    const items = (await messages()).filter((m) => m.kind === 'unanswered');
    return items.length === 2 && items.every((m) => m.status === 'delivered' || m.status === 'undelivered') ? items : undefined;
  }, 60_000, 200);
  expect(followUps.map((m) => [m.phone, m.status]).sort()).toEqual([
    ['+6287630021715', 'delivered'],
    ['+6287630021717', 'undelivered'],
  ]);

  expect((await api('POST', '/v1/sms-account/simulate-inbound', { from: '087630021715', text: '1' })).body).toMatchObject({ taskId, action: { type: 'tag', tag: 'interested' } });
  expect((await api('POST', '/v1/sms-account/simulate-inbound', { from: '087630021715', text: '1!' })).body).toMatchObject({ action: { type: 'tag', tag: 'interested' } });
  expect((await api('POST', '/v1/sms-account/simulate-inbound', { from: '087630021717', text: 'UNREG' })).body).toMatchObject({ taskId, action: { type: 'optOut' } });
  await eventually(async () => (await messages()).filter((m) => m.kind === 'reply' && m.status !== 'queued').length === 1, 20_000, 200);
  expect((await messages()).filter((m) => m.kind === 'reply').map((m) => m.phone)).toEqual(['+6287630021715']);
  const listed = await eventually(async () => {
    const r = await api('GET', '/v1/dnc/+6287630021717');
    return r.status === 200 ? r.body : undefined;
  }, 20_000, 200);
  expect(listed).toMatchObject({ phone: '+6287630021717', source: 'sms-reply' });
  const replies = (await api('GET', `/v1/sms-inbound?taskId=${taskId}`)).body.items as unknown[];
  expect(replies).toHaveLength(3);

  // a later task of the tenant over the same roster: the opted-out number is never called
  await eventually(async () => (await api('GET', `/v1/tasks/${taskId}`)).body.status === 'completed', 60_000, 200);
  const later = await api('POST', '/v1/tasks', taskBody('Later'));
  expect(later.status).toBe(201);
  const done = await eventually(async () => {
    const t = (await api('GET', `/v1/tasks/${later.body.id}`)).body;
    return t.status === 'completed' ? t : undefined;
  }, 60_000, 200);
  expect(done.progress).toMatchObject({ total: 2, suppressed: 1, noAnswer: 1 });
  const calls = await simCallsPerNumber(later.body.id as string);
  expect([...calls]).toEqual([['+6287630021715', 1]]);

  // the first task's calls: each missed-call SMS's delivery, and the tag the reply "1" earned
  const shown = await eventually(async () => {
    const items = (await api('GET', `/v1/tasks/${taskId}/calls`)).body.items as { phone: string; sms: { status: string } | null; tags: string[] }[];
    return items.every((c) => c.sms?.status === 'delivered' || c.sms?.status === 'undelivered') && items.some((c) => c.tags.length > 0) ? items : undefined;
  }, 20_000, 200);
  expect(shown.map((c) => [c.phone, c.sms, c.tags]).sort()).toEqual([
    ['+6287630021715', { kind: 'unanswered', status: 'delivered' }, ['interested']],
    ['+6287630021717', { kind: 'unanswered', status: 'undelivered' }, []],
  ]);
  const report = (await api('GET', `/v1/tasks/${taskId}/report?format=csv`)).text;
  expect(report).toContain("'+6287630021715");
  expect(report.split('\r\n').find((l) => l.includes('021715'))).toMatch(/,unanswered,delivered,interested$/);

  // taken off the DNC list (the dialer owns it and tells the sms service), the number is called and texted again
  expect((await api('DELETE', '/v1/dnc/+6287630021717')).status).toBe(204);
  await eventually(async () => (await sql<{ listed: boolean }>(`SELECT listed FROM sms.dnc_numbers WHERE tenant_id = $1 AND phone = '+6287630021717' AND listed = false`, [tenantId])).length > 0, 20_000, 100);
  const again = await api('POST', '/v1/tasks', taskBody('Again'));
  expect(again.status).toBe(201);
  const againMessages = await eventually(async () => {
    const items = (await api('GET', `/v1/sms-messages?taskId=${again.body.id}&limit=20`)).body.items as { phone: string; status: string }[];
    return items.length === 2 && items.every((m) => m.status !== 'queued') ? items : undefined;
  }, 60_000, 200);
  expect(againMessages.find((m) => m.phone === '+6287630021717')?.status).toMatch(/^(sent|delivered|undelivered)$/);
  expect([...(await simCallsPerNumber(again.body.id as string))].sort()).toEqual([['+6287630021715', 1], ['+6287630021717', 1]]);
}, 180_000);
