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
    /** When set, callbacks must carry `X-Signature: sha256=<hex HMAC-SHA256 of the raw body>` keyed with it (write-only). */
    callbackSecret: Type.Optional(Type.String({ minLength: 16, maxLength: 500 })),
  },
  { additionalProperties: false },
);
export const SmsAccountSettings = Type.Object({
  url: Type.Optional(Type.String()),
  username: Type.Optional(Type.String()),
  timeoutMs: Type.Optional(Type.Integer()),
  passwordSet: Type.Boolean(),
  apiKeySet: Type.Boolean(),
  callbackSecretSet: Type.Boolean(),
});

/** An opt-out keyword as typed by a subscriber (matched case-insensitively and width-folded). */
export const Keyword = Type.String({ minLength: 1, maxLength: 20 });
/** API.md: the opt-out keywords of an account that never set them. */
export const DEFAULT_OPT_OUT_KEYWORDS = ['STOP', 'BERHENTI', 'UNREG', 'UNSUBSCRIBE'];
export const PutSmsAccount = Type.Object(
  {
    provider: SmsProvider,
    /** An alphanumeric sender id (up to 11 characters) or a number (E.164 or a short code) that can receive replies. */
    senderId: Type.String({ minLength: 1, maxLength: 16 }),
    status: Type.Union([Type.Literal('active'), Type.Literal('inactive')]),
    settings: Type.Optional(SmsAccountSettingsInput),
    /** Replies whose first word is one of these put the number on the DNC list (default DEFAULT_OPT_OUT_KEYWORDS). */
    optOutKeywords: Type.Optional(Type.Array(Keyword, { maxItems: 20 })),
    /** An approved template sent once to a number that opted out; null: none. */
    optOutReplyTemplateId: Type.Optional(Nullable(Uuid)),
  },
  { additionalProperties: false },
);
export const SmsAccount = Type.Object({
  provider: SmsProvider,
  senderId: Nullable(Type.String()),
  status: Type.Union([Type.Literal('active'), Type.Literal('inactive')]),
  settings: Nullable(SmsAccountSettings),
  /** Where providers post receipts and replies (`{PUBLIC_BASE_URL}/v1/sms-callbacks/{token}`); null before the first PUT. */
  callbackUrl: Nullable(Type.String()),
  optOutKeywords: Type.Array(Type.String()),
  optOutReplyTemplateId: Nullable(Uuid),
  updatedAt: Nullable(DateTime),
});

/** The kinds of a call's follow-up: what a call record's `sms` can show. */
export const FollowUpKind = Type.Union([Type.Literal('disconnect'), Type.Literal('unanswered')]);
/** A follow-up of a call (`disconnect`, `unanswered`), a reply rule's answer (`reply`) or an opt-out confirmation (`optOutReply`). */
export const SmsKind = Type.Union([Type.Literal('disconnect'), Type.Literal('unanswered'), Type.Literal('reply'), Type.Literal('optOutReply')]);
/**
 * Every status API.md gives a message: `queued → sent → delivered | undelivered`, or `failed` /
 * `skipped`; `delivered`/`undelivered` come from the provider's delivery receipts.
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
  /** null for an opt-out confirmation to a number no task of the tenant texted lately */
  taskId: Nullable(Uuid),
  phone: Type.String(),
  kind: SmsKind,
  status: SmsMessageStatus,
  text: Type.String(),
  segments: Type.Integer(),
  templateId: Nullable(Uuid),
  failureReason: Nullable(Type.String()),
  createdAt: DateTime,
  sentAt: Nullable(DateTime),
  deliveredAt: Nullable(DateTime),
  /** the provider's error code of an `undelivered` receipt */
  deliveryError: Nullable(Type.String()),
});

/** The message as sms.status v1 carried it (before delivery receipts): frozen, for that version's consumers. */
export const SmsMessageV1 = Type.Object({
  id: Uuid,
  taskId: Uuid,
  phone: Type.String(),
  kind: Type.Union([Type.Literal('disconnect'), Type.Literal('unanswered')]),
  status: SmsMessageStatus,
  text: Type.String(),
  segments: Type.Integer(),
  templateId: Nullable(Uuid),
  failureReason: Nullable(Type.String()),
  createdAt: DateTime,
  sentAt: Nullable(DateTime),
});

export const SmsReplyAction = Type.Object({
  type: Type.Union([Type.Literal('none'), Type.Literal('tag'), Type.Literal('optOut')]),
  tag: Nullable(Type.String()),
});
/** A reply as GET /v1/sms-inbound shows it. */
export const SmsInboundMessage = Type.Object({
  id: Uuid,
  from: Type.String(),
  to: Nullable(Type.String()),
  text: Type.String(),
  receivedAt: DateTime,
  /** the task of the latest SMS this tenant sent to that number within 7 days, else null */
  taskId: Nullable(Uuid),
  messageId: Nullable(Uuid),
  action: SmsReplyAction,
});

/** The body a provider posts to `{callbackUrl}/delivery`. Extra fields are ignored. */
export const DeliveryCallback = Type.Object({
  messageId: Type.String({ minLength: 1, maxLength: 200 }),
  status: Type.Union([Type.Literal('delivered'), Type.Literal('undelivered')]),
  errorCode: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
  at: Type.Optional(Nullable(DateTime)),
  /** a multi-part message's part (1-based) and part count: delivered when every part is */
  part: Type.Optional(Type.Integer({ minimum: 1, maximum: 255 })),
  parts: Type.Optional(Type.Integer({ minimum: 1, maximum: 255 })),
});
/** The body a provider posts to `{callbackUrl}/inbound`. Extra fields are ignored. */
export const InboundCallback = Type.Object({
  id: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 200 }))),
  from: Type.String({ minLength: 1, maxLength: 64 }),
  to: Type.Optional(Nullable(Type.String({ maxLength: 64 }))),
  text: Type.String({ maxLength: 5000 }),
  at: Type.Optional(Nullable(DateTime)),
});
const CallbackParams = Type.Object({ token: Type.String({ minLength: 1, maxLength: 200 }) });
/** The most a callback body may weigh (API.md): the gateway and the service both refuse more with 413. */
export const SMS_CALLBACK_MAX_BYTES = 64 * 1024;

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
  rotateCallbackToken: {
    method: 'POST', url: '/v1/sms-account/rotate-callback-token', operationId: 'rotateSmsCallbackToken', summary: 'Make a new callback URL (the old one stops working)', tags: ['SMS'],
    schema: { response: { 200: SmsAccount, ...problems } },
  },
  simulateInbound: {
    method: 'POST', url: '/v1/sms-account/simulate-inbound', operationId: 'simulateSmsInbound', summary: 'Make a reply arrive (simulated provider only)', tags: ['SMS'],
    schema: {
      body: Type.Object({ from: Type.String({ minLength: 1, maxLength: 64 }), text: Type.String({ maxLength: 5000 }) }, { additionalProperties: false }),
      response: { 200: SmsInboundMessage, ...problems },
    },
  },
  listInbound: {
    method: 'GET', url: '/v1/sms-inbound', operationId: 'listSmsInbound', summary: 'Replies received (cursor list, newest first)', tags: ['SMS'],
    schema: {
      querystring: Type.Object({ ...CursorQuery, taskId: Type.Optional(Uuid), from: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })) }, { additionalProperties: false }),
      response: { 200: CursorPage(SmsInboundMessage), 400: Problem },
    },
  },
  deliveryCallback: {
    method: 'POST', url: '/v1/sms-callbacks/:token/delivery', operationId: 'postSmsDeliveryReceipt', summary: "A provider's delivery receipt (no API key: the token authenticates)", tags: ['SMS'],
    schema: { params: CallbackParams, body: DeliveryCallback, response: { 204: Type.Null(), 400: Problem, 401: Problem, 404: Problem, 413: Problem, 429: Problem } },
  },
  inboundCallback: {
    method: 'POST', url: '/v1/sms-callbacks/:token/inbound', operationId: 'postSmsInbound', summary: "A reply, posted by the provider (no API key: the token authenticates)", tags: ['SMS'],
    schema: { params: CallbackParams, body: InboundCallback, response: { 204: Type.Null(), 400: Problem, 401: Problem, 404: Problem, 413: Problem, 429: Problem } },
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
export type SmsInboundMessage = Static<typeof SmsInboundMessage>;
