import { asAdmin, asTenant, newTenantId, type TestService } from '@autocall/testing';
import { SmsTemplateGet, SmsTemplateReserve, SmsTemplateRelease } from '@autocall/contracts';
import type { SmsConfig } from '../src/config';
import { deleteTestQueues, startSms } from './helpers';

let svc: TestService<SmsConfig>;
let manual: TestService<SmsConfig>;
const tenantA = newTenantId();
const tenantB = newTenantId();

beforeAll(async () => {
  svc = await startSms();
  manual = await startSms({ SMS_TEMPLATE_APPROVAL: 'manual' });
});
afterAll(async () => {
  await svc?.close();
  await manual?.close();
  await deleteTestQueues();
});

const post = (s: TestService<SmsConfig>, tenant: string, url: string, payload: unknown) => s.app.inject({ method: 'POST', url, headers: asTenant(tenant), payload: payload as object });

describe('SMS templates', () => {
  it('when a template is created, then it is approved at once with its variables, encoding and segments', async () => {
    const res = await post(svc, tenantA, '/v1/sms-templates', { name: 'Thanks', content: 'Hi {{name}}, order {{ Order Id }} for {{name}}' });
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(res.headers.location).toBe(`/v1/sms-templates/${body.id}`);
    expect(body).toMatchObject({ name: 'Thanks', variables: ['name', 'Order Id'], encoding: 'GSM-7', segments: 1, status: 'approved', rejectionReason: null });
  });

  it('when content has a non-GSM character, then it is UCS-2 and segments count 70/67', async () => {
    const res = await post(svc, tenantA, '/v1/sms-templates', { name: 'Zh', content: '你'.repeat(71) });
    expect(res.json()).toMatchObject({ encoding: 'UCS-2', segments: 2 });
  });

  it.each([
    ['Hi {{name', 'unclosed'],
    ['Hi {{ }}', 'empty'],
    ['Hi {{a{b}}', 'brace inside'],
  ])('when the content is %p (%s), then 400 TEMPLATE_SYNTAX_INVALID and nothing is stored', async (content) => {
    const before = (await svc.app.inject({ method: 'GET', url: '/v1/sms-templates', headers: asTenant(tenantB) })).json().total;
    const res = await post(svc, tenantB, '/v1/sms-templates', { name: 'Bad', content });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json().code).toBe('TEMPLATE_SYNTAX_INVALID');
    const after = (await svc.app.inject({ method: 'GET', url: '/v1/sms-templates', headers: asTenant(tenantB) })).json().total;
    expect(after).toBe(before);
  });

  it.each([
    [{ name: '', content: 'x' }, 'name'],
    [{ name: 'x'.repeat(101), content: 'x' }, 'name'],
    [{ name: 'x', content: '' }, 'content'],
    [{ name: 'x', content: 'x'.repeat(1001) }, 'content'],
    [{ name: 'x', content: 'x', extra: 1 }, 'extra'],
    [{ name: 5, content: 'x' }, 'name'],
  ])('when the body is %p, then 400 VALIDATION_FAILED naming %s', async (payload, field) => {
    const res = await post(svc, tenantA, '/v1/sms-templates', payload);
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('VALIDATION_FAILED');
    expect(res.json().errors.map((e: { field: string }) => e.field)).toContain(field);
  });

  it('when the JSON is malformed, then 400 MALFORMED_JSON', async () => {
    const res = await svc.app.inject({ method: 'POST', url: '/v1/sms-templates', headers: { ...asTenant(tenantA), 'content-type': 'application/json' }, payload: '{"name":' });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('MALFORMED_JSON');
  });

  it('when another tenant asks for a template, then 404 for get, patch, delete and preview', async () => {
    const id = (await post(svc, tenantA, '/v1/sms-templates', { name: 'Mine', content: 'x' })).json().id;
    for (const [method, url, payload] of [
      ['GET', `/v1/sms-templates/${id}`, undefined],
      ['PATCH', `/v1/sms-templates/${id}`, { name: 'y' }],
      ['DELETE', `/v1/sms-templates/${id}`, undefined],
      ['POST', `/v1/sms-templates/${id}/preview`, { variables: {} }],
    ] as const) {
      const res = await svc.app.inject({ method, url, headers: asTenant(tenantB), payload });
      expect([method, res.statusCode, res.json().code]).toEqual([method, 404, 'TEMPLATE_NOT_FOUND']);
    }
    expect((await svc.app.inject({ method: 'GET', url: `/v1/sms-templates/${id}`, headers: asTenant(tenantA) })).statusCode).toBe(200);
  });

  it('when the id is not a UUID, then 400 INVALID_ID', async () => {
    const res = await svc.app.inject({ method: 'GET', url: '/v1/sms-templates/nope', headers: asTenant(tenantA) });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('INVALID_ID');
  });

  it('when pageSize is 0 or 201, or a query parameter is unknown, then 400', async () => {
    for (const query of ['pageSize=0', 'pageSize=201', 'staus=approved']) {
      const res = await svc.app.inject({ method: 'GET', url: `/v1/sms-templates?${query}`, headers: asTenant(tenantA) });
      expect(res.statusCode).toBe(400);
    }
    for (const query of ['staus=pending', 'tenant=x']) {
      const res = await svc.app.inject({ method: 'GET', url: `/v1/admin/sms-templates?${query}`, headers: asAdmin() });
      expect(res.statusCode).toBe(400);
    }
    for (const query of ['task=x', 'statuss=sent']) {
      const res = await svc.app.inject({ method: 'GET', url: `/v1/sms-messages?${query}`, headers: asTenant(tenantA) });
      expect(res.statusCode).toBe(400);
    }
  });

  it('when listing, then newest first with filters and totals of this tenant only', async () => {
    const t = newTenantId();
    for (const name of ['Alpha one', 'Beta', 'alpha two']) await post(svc, t, '/v1/sms-templates', { name, content: 'x' });
    const all = (await svc.app.inject({ method: 'GET', url: '/v1/sms-templates', headers: asTenant(t) })).json();
    expect(all.items.map((i: { name: string }) => i.name)).toEqual(['alpha two', 'Beta', 'Alpha one']);
    expect(all).toMatchObject({ page: 1, pageSize: 20, total: 3 });
    const filtered = (await svc.app.inject({ method: 'GET', url: '/v1/sms-templates?name=ALPHA&pageSize=1&page=2', headers: asTenant(t) })).json();
    expect(filtered).toMatchObject({ total: 2, page: 2, pageSize: 1 });
    expect(filtered.items[0].name).toBe('Alpha one');
  });

  it('when previewing, then variables are filled and missing ones render empty and are listed', async () => {
    const id = (await post(svc, tenantA, '/v1/sms-templates', { name: 'P', content: 'Hi {{name}}, {{Order Id}} {{x}}' })).json().id;
    const res = await post(svc, tenantA, `/v1/sms-templates/${id}/preview`, { variables: { name: 'Budi', 'Order Id': 42 } });
    expect(res.json()).toEqual({ text: 'Hi Budi, 42 ', encoding: 'GSM-7', segments: 1, missingVariables: ['x'] });
  });

  it('when renamed and deleted, then the changes show and the template is gone', async () => {
    const id = (await post(svc, tenantA, '/v1/sms-templates', { name: 'Old', content: 'x' })).json().id;
    const renamed = await svc.app.inject({ method: 'PATCH', url: `/v1/sms-templates/${id}`, headers: asTenant(tenantA), payload: { name: 'New' } });
    expect(renamed.json().name).toBe('New');
    expect((await svc.app.inject({ method: 'DELETE', url: `/v1/sms-templates/${id}`, headers: asTenant(tenantA) })).statusCode).toBe(204);
    expect((await svc.app.inject({ method: 'GET', url: `/v1/sms-templates/${id}`, headers: asTenant(tenantA) })).statusCode).toBe(404);
  });

  it('when a task reserved the template, then content edits and delete answer 409 TEMPLATE_IN_USE until released', async () => {
    const id = (await post(svc, tenantA, '/v1/sms-templates', { name: 'Used', content: 'x {{name}}' })).json().id;
    const taskId = newTenantId();
    const bus = svc.deps.bus;
    expect(await bus.request(SmsTemplateGet, { tenantId: tenantA, templateId: id })).toEqual({ found: true, status: 'approved', variables: ['name'] });
    expect(await bus.request(SmsTemplateGet, { tenantId: tenantB, templateId: id })).toEqual({ found: false });
    await bus.request(SmsTemplateReserve, { tenantId: tenantA, taskId, templateIds: [id] });
    const edit = await svc.app.inject({ method: 'PATCH', url: `/v1/sms-templates/${id}`, headers: asTenant(tenantA), payload: { content: 'y' } });
    expect(edit.statusCode).toBe(409);
    expect(edit.json().code).toBe('TEMPLATE_IN_USE');
    expect((await svc.app.inject({ method: 'PATCH', url: `/v1/sms-templates/${id}`, headers: asTenant(tenantA), payload: { name: 'Renamed' } })).statusCode).toBe(200);
    expect((await svc.app.inject({ method: 'DELETE', url: `/v1/sms-templates/${id}`, headers: asTenant(tenantA) })).json().code).toBe('TEMPLATE_IN_USE');
    await bus.request(SmsTemplateRelease, { tenantId: tenantA, taskId });
    expect((await svc.app.inject({ method: 'DELETE', url: `/v1/sms-templates/${id}`, headers: asTenant(tenantA) })).statusCode).toBe(204);
  });
});

describe('manual approval', () => {
  it('when approval is manual, then a template waits, the admin approves or rejects it, and a content change returns it to pending', async () => {
    const t = newTenantId();
    const created = (await post(manual, t, '/v1/sms-templates', { name: 'Wait', content: 'x' })).json();
    expect(created.status).toBe('pending');
    const pending = (await manual.app.inject({ method: 'GET', url: '/v1/admin/sms-templates?status=pending&pageSize=200', headers: asAdmin() })).json();
    expect(pending.items.map((i: { id: string }) => i.id)).toContain(created.id);
    const tenantTry = await manual.app.inject({ method: 'POST', url: `/v1/admin/sms-templates/${created.id}/approve`, headers: asTenant(t) });
    expect(tenantTry.statusCode).toBe(401);
    const approved = await manual.app.inject({ method: 'POST', url: `/v1/admin/sms-templates/${created.id}/approve`, headers: asAdmin() });
    expect(approved.json().status).toBe('approved');
    const edited = await manual.app.inject({ method: 'PATCH', url: `/v1/sms-templates/${created.id}`, headers: asTenant(t), payload: { content: 'changed' } });
    expect(edited.json().status).toBe('pending');
    const rejected = await manual.app.inject({ method: 'POST', url: `/v1/admin/sms-templates/${created.id}/reject`, headers: asAdmin(), payload: { reason: 'spam' } });
    expect(rejected.json()).toMatchObject({ status: 'rejected', rejectionReason: 'spam' });
  });
});

describe('service auth', () => {
  it('when a request reaches the service without the internal token, then 401', async () => {
    const res = await svc.app.inject({ method: 'GET', url: '/v1/sms-templates', headers: { 'x-autocall-tenant-id': tenantA } });
    expect(res.statusCode).toBe(401);
    expect(res.json().code).toBe('UNAUTHORIZED');
    expect((await svc.app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
  });

  it('when ready, then /ready reports the database and the broker', async () => {
    const res = await svc.app.inject({ method: 'GET', url: '/ready' });
    expect(res.json()).toEqual({ status: 'ready', checks: { database: true, broker: true } });
  });
});
