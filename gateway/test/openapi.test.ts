import { publicRoutes, type RouteDef } from '@autocall/contracts';
import { buildOpenApi } from '../src/openapi/openapi';
import { call, closeClient, deadUrl, startGateway, type Gateway } from './helpers';

let gw: Gateway;
let doc: any;

beforeAll(async () => {
  const dead = await deadUrl();
  gw = await startGateway({ SMS_URL: dead, ROSTER_URL: dead, TASK_URL: dead, RECORDING_URL: dead, DIALER_URL: dead });
  doc = (await call(gw.url, 'GET', '/docs/json')).body;
});
afterAll(async () => {
  await gw?.close();
  await closeClient();
});

const operations = (d: any) =>
  Object.entries(d.paths as Record<string, Record<string, { operationId: string; tags: string[] }>>).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => ({ key: `${method.toUpperCase()} ${path}`, ...op })),
  );

describe('the OpenAPI document (/docs/json)', () => {
  it('when read, then every operation has the id a client SDK calls it by: verb + resource, singular for one, plural for a list', () => {
    const ids = operations(doc)
      .map((o) => `${o.key} → ${o.operationId}`)
      .sort();
    // A change here renames a method in every generated client: make it on purpose.
    expect(ids).toEqual([
      'DELETE /v1/admin/tenants/{id}/api-keys/{keyId} → revokeTenantApiKey',
      'DELETE /v1/api-keys/{id} → revokeApiKey',
      'DELETE /v1/dnc/{phone} → removeDncEntry',
      'DELETE /v1/recordings/{id} → deleteRecording',
      'DELETE /v1/rosters/{id} → deleteRoster',
      'DELETE /v1/sms-templates/{id} → deleteSmsTemplate',
      'DELETE /v1/tasks/{id} → deleteTask',
      'DELETE /v1/users/{id} → deleteUser',
      'DELETE /v1/webhooks/{id} → deleteWebhook',
      'GET /v1/admin/audit-events → listAllAuditEvents',
      'GET /v1/admin/sms-templates → listAllSmsTemplates',
      'GET /v1/admin/tenants → listTenants',
      'GET /v1/admin/tenants/{id} → getTenant',
      'GET /v1/admin/tenants/{id}/api-keys → listTenantApiKeys',
      'GET /v1/api-keys → listApiKeys',
      'GET /v1/audit-events → listAuditEvents',
      'GET /v1/calendar → getCalendar',
      'GET /v1/contact-policy → getContactPolicy',
      'GET /v1/dnc → listDncEntries',
      'GET /v1/dnc/{phone} → getDncEntry',
      'GET /v1/events → streamEvents',
      'GET /v1/me → getMe',
      'GET /v1/recordings → listRecordings',
      'GET /v1/recordings/{id} → getRecording',
      'GET /v1/recordings/{id}/audio → getRecordingAudio',
      'GET /v1/rosters → listRosters',
      'GET /v1/rosters/template → getRosterTemplate',
      'GET /v1/rosters/{id} → getRoster',
      'GET /v1/rosters/{id}/entries → listRosterEntries',
      'GET /v1/rosters/{id}/errors → listRosterErrors',
      'GET /v1/sms-account → getSmsAccount',
      'GET /v1/sms-inbound → listSmsInbound',
      'GET /v1/sms-messages → listSmsMessages',
      'GET /v1/sms-templates → listSmsTemplates',
      'GET /v1/sms-templates/{id} → getSmsTemplate',
      'GET /v1/tasks → listTasks',
      'GET /v1/tasks/{id} → getTask',
      'GET /v1/tasks/{id}/calls → listTaskCalls',
      'GET /v1/tasks/{id}/report → getTaskReport',
      'GET /v1/users → listUsers',
      'GET /v1/users/{id} → getUser',
      'GET /v1/webhooks → listWebhooks',
      'GET /v1/webhooks/{id} → getWebhook',
      'GET /v1/webhooks/{id}/deliveries → listWebhookDeliveries',
      'PATCH /v1/admin/tenants/{id} → updateTenant',
      'PATCH /v1/recordings/{id} → updateRecording',
      'PATCH /v1/rosters/{id} → updateRoster',
      'PATCH /v1/sms-templates/{id} → updateSmsTemplate',
      'PATCH /v1/tasks/{id} → updateTask',
      'PATCH /v1/users/{id} → updateUser',
      'PATCH /v1/webhooks/{id} → updateWebhook',
      'POST /v1/admin/sms-templates/{id}/approve → approveSmsTemplate',
      'POST /v1/admin/sms-templates/{id}/reject → rejectSmsTemplate',
      'POST /v1/admin/tenants → createTenant',
      'POST /v1/admin/tenants/{id}/api-keys → createTenantApiKey',
      'POST /v1/api-keys → createApiKey',
      'POST /v1/auth/login → login',
      'POST /v1/auth/logout → logout',
      'POST /v1/dnc → addDncEntry',
      'POST /v1/dnc/import → importDncEntries',
      'POST /v1/me/password → changeMyPassword',
      'POST /v1/recordings → createRecording',
      'POST /v1/rosters → createRoster',
      'POST /v1/sms-account/rotate-callback-token → rotateSmsCallbackToken',
      'POST /v1/sms-account/simulate-inbound → simulateSmsInbound',
      'POST /v1/sms-callbacks/{token}/delivery → postSmsDeliveryReceipt',
      'POST /v1/sms-callbacks/{token}/inbound → postSmsInbound',
      'POST /v1/sms-templates → createSmsTemplate',
      'POST /v1/sms-templates/{id}/preview → previewSmsTemplate',
      'POST /v1/tasks → createTask',
      'POST /v1/tasks/{id}/cancel → cancelTask',
      'POST /v1/tasks/{id}/pause → pauseTask',
      'POST /v1/tasks/{id}/resume → resumeTask',
      'POST /v1/users → createUser',
      'POST /v1/webhooks → createWebhook',
      'POST /v1/webhooks/{id}/deliveries/{deliveryId}/redeliver → redeliverWebhookDelivery',
      'POST /v1/webhooks/{id}/rotate-secret → rotateWebhookSecret',
      'POST /v1/webhooks/{id}/test → testWebhook',
      'PUT /v1/calendar → putCalendar',
      'PUT /v1/contact-policy → putContactPolicy',
      'PUT /v1/sms-account → putSmsAccount',
    ]);
  });

  it('when read, then no two operations share an id and every public route is documented', () => {
    const ids = operations(doc).map((o) => o.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength(publicRoutes.length);
  });

  it('when read, then each operation sits in exactly one group, and each group has one capitalised spelling', () => {
    const ops = operations(doc);
    expect(ops.filter((o) => o.tags.length !== 1).map((o) => o.key)).toEqual([]);
    const names = (doc.tags as { name: string }[]).map((t) => t.name);
    expect(names).toEqual(['API keys', 'Admin', 'Audit', 'Auth', 'Dialing policy', 'Events', 'Recordings', 'Rosters', 'SMS', 'Tasks', 'Users', 'Webhooks']);
    expect(new Set(names.map((n) => n.toLowerCase())).size).toBe(names.length);
    expect([...new Set(ops.flatMap((o) => o.tags))].sort()).toEqual(names);
  });
});

describe('what the document says of bodies (issue 14: the console met each of these)', () => {
  const ok = (path: string, method: string, code = '200') => doc.paths[path][method].responses[code].content;
  const schema = (ref: { $ref?: string }) => (ref.$ref ? doc.components.schemas[ref.$ref.split('/').pop()!] : ref);

  it('when read, then a string map (a roster entry\'s variables, a preview\'s variables) is an object of additional properties, which every generator reads', () => {
    const entry = ok('/v1/rosters/{id}/entries', 'get')['application/json'].schema.properties.items.items;
    expect(entry.properties.variables).toEqual({ type: 'object', additionalProperties: { type: 'string' } });
    const preview = doc.paths['/v1/sms-templates/{id}/preview'].post.requestBody.content['application/json'].schema;
    expect(preview.properties.variables).toMatchObject({ type: 'object', additionalProperties: { anyOf: [{ type: 'string' }, { type: 'number' }, { type: 'null' }] } });
    expect(JSON.stringify(doc)).not.toContain('patternProperties');
  });

  it('when read, then the roster errors answer either their JSON page (with its schema) or an xlsx file, and files, sent or answered, are binary', () => {
    const errors = ok('/v1/rosters/{id}/errors', 'get');
    expect(Object.keys(errors)).toEqual(['application/json', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet']);
    expect(errors['application/json'].schema.properties.items.items.properties.reason.anyOf).toContainEqual({ const: 'DUPLICATE', type: 'string' });
    expect(errors['application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'].schema).toMatchObject({ type: 'string', format: 'binary' });
    for (const [path, mime] of [['/v1/rosters/template', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'], ['/v1/recordings/{id}/audio', 'audio/mpeg'], ['/v1/tasks/{id}/report', 'text/csv']]) {
      expect([path, ok(path, 'get')[mime].schema]).toEqual([path, { type: 'string', format: 'binary', contentMediaType: mime }]);
    }
    for (const path of ['/v1/recordings', '/v1/rosters']) {
      expect(doc.paths[path].post.requestBody.content['multipart/form-data'].schema.properties.file).toMatchObject({ type: 'string', format: 'binary' });
    }
  });

  it('when read, then an SMS message, its filter and a call\'s SMS carry every message status API.md names', () => {
    const statuses = ['queued', 'sent', 'delivered', 'undelivered', 'failed', 'skipped'];
    const consts = (s: { anyOf: { const: string }[] }) => s.anyOf.map((x) => x.const);
    const message = ok('/v1/sms-messages', 'get')['application/json'].schema.properties.items.items;
    expect(consts(message.properties.status)).toEqual(statuses);
    const filter = doc.paths['/v1/sms-messages'].get.parameters.find((p: { name?: string }) => p.name === 'status');
    expect(consts(filter.schema)).toEqual(statuses);
    const call = schema(ok('/v1/tasks/{id}/calls', 'get')['application/json'].schema.properties.items.items);
    const sms = call.properties.sms.anyOf.find((x: { type: string }) => x.type === 'object');
    expect(consts(sms.properties.status)).toEqual(statuses);
    expect(consts(sms.properties.kind)).toEqual(['disconnect', 'unanswered']);
  });
});

describe('buildOpenApi', () => {
  const [a, b] = publicRoutes;

  it('when two routes share an operationId, then it refuses to build the document', () => {
    const twin: RouteDef = { ...b, operationId: a.operationId };
    expect(() => buildOpenApi([a, twin], { version: '1' })).toThrow(`operationId ${a.operationId} is used by both ${a.method} ${a.url} and ${b.method} ${b.url}`);
  });

  it('when one group is spelled two ways (tasks, Tasks), then it refuses to build the document', () => {
    const lower: RouteDef = { ...b, tags: [a.tags[0].toLowerCase()] };
    expect(() => buildOpenApi([a, lower], { version: '1' })).toThrow(/is also spelled/);
  });
});
