import { Type, type Static } from '@sinclair/typebox';
import { CursorPage, CursorQuery, DateTime, defineRoutes, IdParams, Nullable, Page, PageQuery, Problem, Uuid } from '../core';
import { PUBLIC_EVENT_TYPES } from '../events/public.events';

export const EventType = Type.Union(
  PUBLIC_EVENT_TYPES.map((t) => Type.Literal(t)),
  { description: 'A public event type. task.progress (stream only) and webhook.test (sent by POST …/test) cannot be subscribed to: 400 WEBHOOK_EVENT_NOT_SUBSCRIBABLE.' },
);

/** One event, the same in a webhook body and on the stream. */
export const PlatformEvent = Type.Object(
  { id: Uuid, type: EventType, createdAt: DateTime, tenantId: Uuid, data: Type.Record(Type.String(), Type.Unknown()) },
  { $id: 'PlatformEvent' },
);

const WebhookUrl = Type.String({
  minLength: 1,
  maxLength: 2000,
  description: 'http(s). With credentials, another scheme, or a host on (or resolving to) a private, loopback or link-local address: 422 WEBHOOK_URL_FORBIDDEN.',
});
const WebhookEvents = Type.Array(EventType, { minItems: 1, maxItems: PUBLIC_EVENT_TYPES.length, uniqueItems: true });
const WebhookDescription = Nullable(Type.String({ maxLength: 500 }));

export const CreateWebhook = Type.Object(
  { url: WebhookUrl, events: WebhookEvents, description: Type.Optional(WebhookDescription), enabled: Type.Optional(Type.Boolean({ default: true })) },
  { additionalProperties: false },
);
export const UpdateWebhook = Type.Object(
  { url: Type.Optional(WebhookUrl), events: Type.Optional(WebhookEvents), description: Type.Optional(WebhookDescription), enabled: Type.Optional(Type.Boolean()) },
  { additionalProperties: false, minProperties: 1 },
);

const webhookFields = {
  id: Uuid,
  url: Type.String(),
  events: Type.Array(EventType),
  description: Nullable(Type.String()),
  enabled: Type.Boolean(),
  /** why the platform disabled it (410, or 5 days of failed deliveries); null once re-enabled */
  disabledReason: Nullable(Type.String()),
  createdAt: DateTime,
  updatedAt: DateTime,
};
export const Webhook = Type.Object(webhookFields, { $id: 'Webhook' });
/** The create answer: the only one, with rotation's, that shows the secret. */
export const CreatedWebhook = Type.Object({ ...webhookFields, secret: Type.String({ description: 'whsec_ + base64 of 32 random bytes; shown only here and on rotation' }) });
export const RotatedSecret = Type.Object({
  secret: Type.String(),
  /** until when deliveries are also signed with the previous secret */
  previousSecretExpiresAt: DateTime,
});

export const DeliveryStatus = Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('failed')]);
export const WebhookDelivery = Type.Object(
  {
    id: Uuid,
    eventId: Uuid,
    eventType: EventType,
    status: DeliveryStatus,
    attempts: Type.Integer(),
    lastStatusCode: Nullable(Type.Integer()),
    lastError: Nullable(Type.String()),
    nextAttemptAt: Nullable(DateTime),
    createdAt: DateTime,
    deliveredAt: Nullable(DateTime),
  },
  { $id: 'WebhookDelivery' },
);

export const ListWebhooksQuery = Type.Object({ ...PageQuery }, { additionalProperties: false });
export const ListDeliveriesQuery = Type.Object({ ...CursorQuery, status: Type.Optional(DeliveryStatus) }, { additionalProperties: false });
export const StreamEventsQuery = Type.Object(
  {
    taskId: Type.Optional(Uuid),
    types: Type.Optional(Type.String({ maxLength: 500, description: 'Comma-separated event types; an unknown one: 400.' })),
    lastEventId: Type.Optional(Type.String({ maxLength: 200, description: 'As the Last-Event-ID header: replay what was stored after that event (within EVENTS_REPLAY_MINUTES).' })),
  },
  { additionalProperties: false },
);
export const DeliveryParams = Type.Object({ id: Uuid, deliveryId: Uuid }, { additionalProperties: false });

const problems = { 400: Problem, 404: Problem, 409: Problem, 422: Problem };

/** Public routes served by the events service (documented by the gateway's OpenAPI). */
export const eventsRoutes = defineRoutes({
  createWebhook: {
    method: 'POST', url: '/v1/webhooks', operationId: 'createWebhook', summary: 'Add a webhook endpoint (its secret is shown only in this answer)', tags: ['Webhooks'],
    schema: { body: CreateWebhook, response: { 201: CreatedWebhook, ...problems } },
  },
  listWebhooks: {
    method: 'GET', url: '/v1/webhooks', operationId: 'listWebhooks', summary: "The tenant's webhook endpoints, newest first", tags: ['Webhooks'],
    schema: { querystring: ListWebhooksQuery, response: { 200: Page(Webhook), 400: Problem } },
  },
  getWebhook: {
    method: 'GET', url: '/v1/webhooks/:id', operationId: 'getWebhook', summary: 'One webhook endpoint', tags: ['Webhooks'],
    schema: { params: IdParams, response: { 200: Webhook, 400: Problem, 404: Problem } },
  },
  updateWebhook: {
    method: 'PATCH', url: '/v1/webhooks/:id', operationId: 'updateWebhook', summary: 'Change a webhook endpoint (re-enabling clears disabledReason)', tags: ['Webhooks'],
    schema: { params: IdParams, body: UpdateWebhook, response: { 200: Webhook, ...problems } },
  },
  deleteWebhook: {
    method: 'DELETE', url: '/v1/webhooks/:id', operationId: 'deleteWebhook', summary: 'Remove a webhook endpoint and its deliveries', tags: ['Webhooks'],
    schema: { params: IdParams, response: { 204: Type.Null(), 400: Problem, 404: Problem } },
  },
  rotateWebhookSecret: {
    method: 'POST', url: '/v1/webhooks/:id/rotate-secret', operationId: 'rotateWebhookSecret', summary: 'A new secret; the old one still signs for 24 h', tags: ['Webhooks'],
    schema: { params: IdParams, response: { 200: RotatedSecret, 400: Problem, 404: Problem } },
  },
  testWebhook: {
    method: 'POST', url: '/v1/webhooks/:id/test', operationId: 'testWebhook', summary: 'Send a webhook.test event to this endpoint only', tags: ['Webhooks'],
    schema: { params: IdParams, response: { 202: WebhookDelivery, 400: Problem, 404: Problem, 409: Problem } },
  },
  listWebhookDeliveries: {
    method: 'GET', url: '/v1/webhooks/:id/deliveries', operationId: 'listWebhookDeliveries', summary: "The endpoint's deliveries, newest first (cursor list)", tags: ['Webhooks'],
    schema: { params: IdParams, querystring: ListDeliveriesQuery, response: { 200: CursorPage(WebhookDelivery), 400: Problem, 404: Problem } },
  },
  streamEvents: {
    method: 'GET', url: '/v1/events', operationId: 'streamEvents', tags: ['Events'],
    summary: "The tenant's events as Server-Sent Events (id: the event id, event: its type, data: the event JSON); Last-Event-ID replays",
    produces: ['text/event-stream'],
    schema: { querystring: StreamEventsQuery, response: { 400: Problem } },
  },
  redeliverWebhookDelivery: {
    method: 'POST', url: '/v1/webhooks/:id/deliveries/:deliveryId/redeliver', operationId: 'redeliverWebhookDelivery', summary: 'Send a delivery again (same webhook-id)', tags: ['Webhooks'],
    schema: { params: DeliveryParams, response: { 202: WebhookDelivery, 400: Problem, 404: Problem, 409: Problem } },
  },
});

export type WebhookView = Static<typeof Webhook>;
export type WebhookDeliveryView = Static<typeof WebhookDelivery>;
export type PlatformEventT = Static<typeof PlatformEvent>;
