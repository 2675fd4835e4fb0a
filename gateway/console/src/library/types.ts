import type { components } from '../api/schema';

/** The resources of these pages, as the gateway's OpenAPI document types them. */
export type SmsTemplate = components['schemas']['SmsTemplate'];
export type Roster = components['schemas']['Roster'];
export type Recording = components['schemas']['Recording'];
