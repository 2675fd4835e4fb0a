import { Type, type Static } from '@sinclair/typebox';
import { CursorPage, CursorQuery, DateTime, defineRoutes, IdParams, Nullable, Page, PageQuery, Problem, Uuid } from '../core';

export const TemplateStatus = Type.Union([Type.Literal('pending'), Type.Literal('approved'), Type.Literal('rejected')]);
export const SmsEncoding = Type.Union([Type.Literal('GSM-7'), Type.Literal('UCS-2')]);

export const SmsTemplate = Type.Object(
  {
    id: Uuid,
    name: Type.String(),
    content: Type.String(),
    variables: Type.Array(Type.String()),
    encoding: SmsEncoding,
    segments: Type.Integer(),
    status: TemplateStatus,
    rejectionReason: Nullable(Type.String()),
    createdAt: DateTime,
    updatedAt: DateTime,
  },
  { $id: 'SmsTemplate' },
);

const TemplateName = Type.String({ minLength: 1, maxLength: 100 });
const TemplateContent = Type.String({ minLength: 1, maxLength: 1000 });

export const CreateSmsTemplate = Type.Object({ name: TemplateName, content: TemplateContent }, { additionalProperties: false });
export const UpdateSmsTemplate = Type.Object({ name: Type.Optional(TemplateName), content: Type.Optional(TemplateContent) }, { additionalProperties: false, minProperties: 1 });
export const PreviewSmsTemplate = Type.Object(
  { variables: Type.Optional(Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Null()]))) },
  { additionalProperties: false },
);
export const SmsPreview = Type.Object({ text: Type.String(), encoding: SmsEncoding, segments: Type.Integer(), missingVariables: Type.Array(Type.String()) });

export const SmsProvider = Type.Union([Type.Literal('simulated'), Type.Literal('http')]);
/** Provider settings as written: secrets (apiKey, password) are accepted here and never returned. */
export const SmsAccountSettingsInput = Type.Object(
  {
    url: Type.Optional(Type.String({ format: 'uri', maxLength: 2000 })),
    username: Type.Optional(Type.String({ maxLength: 200 })),
    password: Type.Optional(Type.String({ maxLength: 500 })),
    apiKey: Type.Optional(Type.String({ maxLength: 500 })),
    timeoutMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 60000 })),
  },
  { additionalProperties: false },
);
export const SmsAccountSettings = Type.Object({
  url: Type.Optional(Type.String()),
  username: Type.Optional(Type.String()),
  timeoutMs: Type.Optional(Type.Integer()),
  passwordSet: Type.Boolean(),
  apiKeySet: Type.Boolean(),
});
export const PutSmsAccount = Type.Object(
  {
    provider: SmsProvider,
    senderId: Type.String({ minLength: 1, maxLength: 11 }),
    status: Type.Union([Type.Literal('active'), Type.Literal('inactive')]),
    settings: Type.Optional(SmsAccountSettingsInput),
  },
  { additionalProperties: false },
);
export const SmsAccount = Type.Object({
  provider: SmsProvider,
  senderId: Nullable(Type.String()),
  status: Type.Union([Type.Literal('active'), Type.Literal('inactive')]),
  settings: Nullable(SmsAccountSettings),
  updatedAt: Nullable(DateTime),
});

export const SmsKind = Type.Union([Type.Literal('disconnect'), Type.Literal('unanswered')]);
/**
 * Every status API.md gives a message: `queued → sent → delivered | undelivered`, or `failed` /
 * `skipped`. The platform sets `delivered`/`undelivered` once delivery receipts are in (issue 17);
 * they are in the contract now so that a client typed from it handles them.
 */
export const SmsMessageStatus = Type.Union([
  Type.Literal('queued'),
  Type.Literal('sent'),
  Type.Literal('delivered'),
  Type.Literal('undelivered'),
  Type.Literal('failed'),
  Type.Literal('skipped'),
]);
export const SmsMessage = Type.Object({
  id: Uuid,
  taskId: Uuid,
  phone: Type.String(),
  kind: SmsKind,
  status: SmsMessageStatus,
  text: Type.String(),
  segments: Type.Integer(),
  templateId: Nullable(Uuid),
  failureReason: Nullable(Type.String()),
  createdAt: DateTime,
  sentAt: Nullable(DateTime),
});

const problems = { 400: Problem, 404: Problem, 409: Problem, 422: Problem };

export const smsRoutes = defineRoutes({
  createTemplate: {
    method: 'POST', url: '/v1/sms-templates', operationId: 'createSmsTemplate', summary: 'Create an SMS template', tags: ['SMS'],
    schema: { body: CreateSmsTemplate, response: { 201: SmsTemplate, ...problems } },
  },
  listTemplates: {
    method: 'GET', url: '/v1/sms-templates', operationId: 'listSmsTemplates', summary: 'List SMS templates (newest first)', tags: ['SMS'],
    schema: {
      querystring: Type.Object({ ...PageQuery, name: Type.Optional(Type.String({ maxLength: 100 })), status: Type.Optional(TemplateStatus)  }, { additionalProperties: false }),
      response: { 200: Page(SmsTemplate), 400: Problem },
    },
  },
  getTemplate: {
    method: 'GET', url: '/v1/sms-templates/:id', operationId: 'getSmsTemplate', summary: 'Get an SMS template', tags: ['SMS'],
    schema: { params: IdParams, response: { 200: SmsTemplate, ...problems } },
  },
  updateTemplate: {
    method: 'PATCH', url: '/v1/sms-templates/:id', operationId: 'updateSmsTemplate', summary: 'Rename or edit an SMS template', tags: ['SMS'],
    schema: { params: IdParams, body: UpdateSmsTemplate, response: { 200: SmsTemplate, ...problems } },
  },
  deleteTemplate: {
    method: 'DELETE', url: '/v1/sms-templates/:id', operationId: 'deleteSmsTemplate', summary: 'Delete an SMS template', tags: ['SMS'],
    schema: { params: IdParams, response: { 204: Type.Null(), ...problems } },
  },
  previewTemplate: {
    method: 'POST', url: '/v1/sms-templates/:id/preview', operationId: 'previewSmsTemplate', summary: 'Render a template with variables', tags: ['SMS'],
    schema: { params: IdParams, body: PreviewSmsTemplate, response: { 200: SmsPreview, ...problems } },
  },
  getAccount: {
    method: 'GET', url: '/v1/sms-account', operationId: 'getSmsAccount', summary: "The tenant's SMS account", tags: ['SMS'],
    schema: { response: { 200: SmsAccount } },
  },
  putAccount: {
    method: 'PUT', url: '/v1/sms-account', operationId: 'putSmsAccount', summary: "Set the tenant's SMS account", tags: ['SMS'],
    schema: { body: PutSmsAccount, response: { 200: SmsAccount, ...problems } },
  },
  listMessages: {
    method: 'GET', url: '/v1/sms-messages', operationId: 'listSmsMessages', summary: 'Follow-up SMS messages (cursor list)', tags: ['SMS'],
    schema: {
      querystring: Type.Object({ ...CursorQuery, taskId: Type.Optional(Uuid), status: Type.Optional(SmsMessageStatus), kind: Type.Optional(SmsKind)  }, { additionalProperties: false }),
      response: { 200: CursorPage(SmsMessage), 400: Problem },
    },
  },
  adminListTemplates: {
    method: 'GET', url: '/v1/admin/sms-templates', operationId: 'listAllSmsTemplates', summary: 'Templates of all tenants (admin)', tags: ['Admin'],
    schema: {
      querystring: Type.Object({ ...PageQuery, status: Type.Optional(TemplateStatus)  }, { additionalProperties: false }),
      response: { 200: Page(Type.Object({ ...SmsTemplate.properties, tenantId: Uuid })), 400: Problem },
    },
  },
  adminApproveTemplate: {
    method: 'POST', url: '/v1/admin/sms-templates/:id/approve', operationId: 'approveSmsTemplate', summary: 'Approve a template (admin)', tags: ['Admin'],
    schema: { params: IdParams, response: { 200: SmsTemplate, ...problems } },
  },
  adminRejectTemplate: {
    method: 'POST', url: '/v1/admin/sms-templates/:id/reject', operationId: 'rejectSmsTemplate', summary: 'Reject a template (admin)', tags: ['Admin'],
    schema: {
      params: IdParams,
      body: Type.Optional(Type.Object({ reason: Type.Optional(Type.String({ maxLength: 500 })) }, { additionalProperties: false })),
      response: { 200: SmsTemplate, ...problems },
    },
  },
});

/** The response bodies, as the schemas above say (a view built by hand beside them would drift). */
export type SmsTemplate = Static<typeof SmsTemplate>;
export type SmsPreview = Static<typeof SmsPreview>;
export type SmsAccount = Static<typeof SmsAccount>;
export type SmsAccountSettings = Static<typeof SmsAccountSettings>;
export type SmsMessage = Static<typeof SmsMessage>;
export type SmsMessageStatus = Static<typeof SmsMessageStatus>;
