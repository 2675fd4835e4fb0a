import type { components, paths } from '../api/schema';

type JsonOf<R> = R extends { content: { 'application/json': infer T } } ? T : never;

/** The dialing-policy and events pages' resources, as the gateway's OpenAPI document (schema.d.ts) declares them. */
export type DncEntry = components['schemas']['DncEntry'];
export type DncImportResult = components['schemas']['DncImportResult'];
export type DncSource = DncEntry['source'];
export type Calendar = components['schemas']['Calendar'];
export type Blackout = Calendar['blackouts'][number];
export type Webhook = components['schemas']['Webhook'];
export type NewWebhook = JsonOf<paths['/v1/webhooks']['post']['responses'][201]>;
export type WebhookDelivery = components['schemas']['WebhookDelivery'];
export type EventType = Webhook['events'][number];
export type ContactPolicy = components['schemas']['ContactPolicy'];
