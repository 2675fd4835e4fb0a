import { Type, type Static } from '@sinclair/typebox';
import { DateTime, defineRoutes, Nullable, Page, PageQuery, Problem, Uuid } from '../core';
import { NewUser, UserRef } from './access';

/**
 * A tenant's limits (API.md "Platform admin"), each `null` = no limit; a task's own limits are capped
 * by them across every replica. Set on the gateway, published as `tenant.limits-updated`, enforced by
 * the service that owns each: dialer (maxConcurrentCalls, callsPerSecond), task (maxActiveTasks), sms
 * (smsPerDay), gateway (storageBytes, reserved by recording and roster through `tenant.storage.reserve`).
 */
export const TenantLimits = Type.Object(
  {
    maxConcurrentCalls: Nullable(Type.Integer({ minimum: 0, maximum: 100000 })),
    callsPerSecond: Nullable(Type.Number({ minimum: 0, maximum: 100000 })),
    maxActiveTasks: Nullable(Type.Integer({ minimum: 0, maximum: 1000000 })),
    storageBytes: Nullable(Type.Integer({ minimum: 0, maximum: 1e15 })),
    smsPerDay: Nullable(Type.Integer({ minimum: 0, maximum: 100000000 })),
  },
  { $id: 'TenantLimits' },
);
export const NO_TENANT_LIMITS: Static<typeof TenantLimits> = { maxConcurrentCalls: null, callsPerSecond: null, maxActiveTasks: null, storageBytes: null, smsPerDay: null };
/** PATCH: the limits given replace those stored; those left out stay. */
export const PatchTenantLimits = Type.Partial(Type.Omit(TenantLimits, []), { additionalProperties: false });
export const PatchTenant = Type.Object(
  { name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })), limits: Type.Optional(PatchTenantLimits) },
  { additionalProperties: false, minProperties: 1 },
);
export const Tenant = Type.Object({ id: Uuid, name: Type.String(), createdAt: DateTime, limits: TenantLimits });
export const CreatedTenant = Type.Object({
  id: Uuid,
  name: Type.String(),
  apiKey: Type.String(),
  apiKeyId: Uuid,
  createdAt: DateTime,
  /** The first owner, when the request named one. */
  owner: Type.Optional(UserRef),
});
export const ApiKeyInfo = Type.Object({ id: Uuid, createdAt: DateTime, lastUsedAt: Nullable(DateTime), revokedAt: Nullable(DateTime) });
export const CreatedApiKey = Type.Object({ id: Uuid, apiKey: Type.String(), createdAt: DateTime });

const TenantParams = Type.Object({ id: Uuid }, { additionalProperties: false });

/** Routes the gateway serves itself (admin). */
export const gatewayRoutes = defineRoutes({
  createTenant: {
    method: 'POST', url: '/v1/admin/tenants', operationId: 'createTenant', summary: 'Create a tenant and its first API key', tags: ['Admin'],
    schema: { body: Type.Object({ name: Type.String({ minLength: 1, maxLength: 100 }), owner: Type.Optional(Type.Omit(NewUser, ['role'], { additionalProperties: false })) }, { additionalProperties: false }), response: { 201: CreatedTenant, 400: Problem, 401: Problem, 409: Problem, 413: Problem, 422: Problem, 429: Problem } },
  },
  listTenants: {
    method: 'GET', url: '/v1/admin/tenants', operationId: 'listTenants', summary: 'List tenants (newest first)', tags: ['Admin'],
    schema: { querystring: Type.Object(PageQuery, { additionalProperties: false }), response: { 200: Page(Tenant), 400: Problem, 401: Problem } },
  },
  getTenant: {
    method: 'GET', url: '/v1/admin/tenants/:id', operationId: 'getTenant', summary: 'Get a tenant', tags: ['Admin'],
    schema: { params: TenantParams, response: { 200: Tenant, 400: Problem, 401: Problem, 404: Problem } },
  },
  patchTenant: {
    method: 'PATCH', url: '/v1/admin/tenants/:id', operationId: 'updateTenant', summary: "Rename a tenant or change its limits (those left out stay)", tags: ['Admin'],
    schema: { params: TenantParams, body: PatchTenant, response: { 200: Tenant, 400: Problem, 401: Problem, 403: Problem, 404: Problem } },
  },
  createApiKey: {
    method: 'POST', url: '/v1/admin/tenants/:id/api-keys', operationId: 'createTenantApiKey', summary: 'Issue a further API key (rotation)', tags: ['Admin'],
    schema: { params: TenantParams, response: { 201: CreatedApiKey, 400: Problem, 401: Problem, 404: Problem, 409: Problem, 422: Problem, 429: Problem } },
  },
  listApiKeys: {
    method: 'GET', url: '/v1/admin/tenants/:id/api-keys', operationId: 'listTenantApiKeys', summary: "List a tenant's API keys (never the key itself)", tags: ['Admin'],
    schema: { params: TenantParams, response: { 200: Type.Object({ items: Type.Array(ApiKeyInfo) }), 400: Problem, 401: Problem, 404: Problem } },
  },
  revokeApiKey: {
    method: 'DELETE', url: '/v1/admin/tenants/:id/api-keys/:keyId', operationId: 'revokeTenantApiKey', summary: 'Revoke an API key at once', tags: ['Admin'],
    schema: { params: Type.Object({ id: Uuid, keyId: Uuid }, { additionalProperties: false }), response: { 204: Type.Null(), 400: Problem, 401: Problem, 404: Problem } },
  },
});

/** The response bodies, as the schemas above say (a view built by hand beside them would drift). */
export type Tenant = Static<typeof Tenant>;
export type TenantLimits = Static<typeof TenantLimits>;
export type PatchTenantBody = Static<typeof PatchTenant>;
export type CreatedTenant = Static<typeof CreatedTenant>;
export type ApiKeyInfo = Static<typeof ApiKeyInfo>;
export type CreatedApiKey = Static<typeof CreatedApiKey>;
