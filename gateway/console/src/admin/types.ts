import type { paths } from '../api/schema';

type JsonOf<R> = R extends { content: { 'application/json': infer T } } ? T : never;

/** The admin pages' resources, as the gateway's OpenAPI document (schema.d.ts) declares them. */
export type User = JsonOf<paths['/v1/users']['get']['responses'][200]>['items'][number];
export type ApiKey = JsonOf<paths['/v1/api-keys']['get']['responses'][200]>['items'][number];
export type NewApiKey = JsonOf<paths['/v1/api-keys']['post']['responses'][201]>;
export type AuditEvent = JsonOf<paths['/v1/audit-events']['get']['responses'][200]>['items'][number];
export type SmsMessage = JsonOf<paths['/v1/sms-messages']['get']['responses'][200]>['items'][number];
