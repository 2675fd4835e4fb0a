import { admin, bearer, call, closeClient, startGateway, startSms, type Gateway } from './helpers';

/**
 * Issue 2's end-to-end test, over real HTTP through the running gateway to the running sms service:
 * admin creates tenants A and B → A creates, lists, renames, previews and deletes a template; B gets
 * 404 for it; an Idempotency-Key replay returns the same template.
 */
let sms: Awaited<ReturnType<typeof startSms>>;
let gw: Gateway;
beforeAll(async () => {
  sms = await startSms();
  gw = await startGateway({ SMS_URL: sms.url });
});
afterAll(async () => {
  await gw?.close();
  await sms?.svc.close();
  await closeClient();
});

it('when tenants A and B use SMS templates through the gateway, then A manages its own and B never sees it', async () => {
  const tenantA = await call(gw.url, 'POST', '/v1/admin/tenants', { headers: admin, json: { name: 'Tenant A' } });
  const tenantB = await call(gw.url, 'POST', '/v1/admin/tenants', { headers: admin, json: { name: 'Tenant B' } });
  expect([tenantA.status, tenantB.status]).toEqual([201, 201]);
  const a = bearer(tenantA.body.apiKey);
  const b = { 'x-api-key': tenantB.body.apiKey };

  // A creates (with an Idempotency-Key) ...
  const create = { headers: { ...a, 'idempotency-key': 'e2e-create-1' }, json: { name: 'Welcome', content: 'Hi {{name}}, your order {{Order Id}} ships today.' } };
  const created = await call(gw.url, 'POST', '/v1/sms-templates', create);
  expect(created.status).toBe(201);
  expect(created.body).toMatchObject({ name: 'Welcome', variables: ['name', 'Order Id'], encoding: 'GSM-7', segments: 1, status: 'approved' });
  const id = created.body.id;
  expect(created.headers.location).toBe(`/v1/sms-templates/${id}`);

  // ... and the replay returns the same template, creating nothing.
  const replayed = await call(gw.url, 'POST', '/v1/sms-templates', create);
  expect([replayed.status, replayed.body]).toEqual([201, created.body]);

  const listed = await call(gw.url, 'GET', '/v1/sms-templates', { headers: a });
  expect(listed.status).toBe(200);
  expect(listed.body).toMatchObject({ total: 1, page: 1, pageSize: 20, items: [{ id, name: 'Welcome' }] });

  const renamed = await call(gw.url, 'PATCH', `/v1/sms-templates/${id}`, { headers: a, json: { name: 'Welcome v2' } });
  expect([renamed.status, renamed.body.name, renamed.body.content]).toEqual([200, 'Welcome v2', created.body.content]);

  const preview = await call(gw.url, 'POST', `/v1/sms-templates/${id}/preview`, { headers: a, json: { variables: { name: 'Budi' } } });
  expect(preview.status).toBe(200);
  expect(preview.body).toEqual({ text: 'Hi Budi, your order  ships today.', encoding: 'GSM-7', segments: 1, missingVariables: ['Order Id'] });

  // B: 404 for every way of touching A's template, and an empty list.
  for (const [method, url, json] of [
    ['GET', `/v1/sms-templates/${id}`, undefined],
    ['PATCH', `/v1/sms-templates/${id}`, { name: 'Mine now' }],
    ['POST', `/v1/sms-templates/${id}/preview`, { variables: {} }],
    ['DELETE', `/v1/sms-templates/${id}`, undefined],
  ] as const) {
    const res = await call(gw.url, method, url, { headers: b, json });
    expect([method, res.status, res.body.code]).toEqual([method, 404, 'TEMPLATE_NOT_FOUND']);
    expect(String(res.headers['content-type'])).toContain('application/problem+json');
  }
  expect((await call(gw.url, 'GET', '/v1/sms-templates', { headers: b })).body.total).toBe(0);

  const deleted = await call(gw.url, 'DELETE', `/v1/sms-templates/${id}`, { headers: a });
  expect(deleted.status).toBe(204);
  expect((await call(gw.url, 'GET', `/v1/sms-templates/${id}`, { headers: a })).status).toBe(404);
  expect((await call(gw.url, 'GET', '/v1/sms-templates', { headers: a })).body.total).toBe(0);

  // The document of it all lists the admin and SMS routes.
  const doc = (await call(gw.url, 'GET', '/docs/json')).body;
  expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/admin/tenants', '/v1/admin/tenants/{id}/api-keys', '/v1/sms-templates', '/v1/sms-templates/{id}', '/v1/sms-templates/{id}/preview']));
});
