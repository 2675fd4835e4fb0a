import { Type, type Static } from '@sinclair/typebox';
import { DateTime, defineRoutes, Nullable, Page, PageQuery, Problem, Uuid } from '../core';
import { NewUser, UserRef } from './access';

export const Tenant = Type.Object({ id: Uuid, name: Type.String(), createdAt: DateTime });
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
export type CreatedTenant = Static<typeof CreatedTenant>;
export type ApiKeyInfo = Static<typeof ApiKeyInfo>;
export type CreatedApiKey = Static<typeof CreatedApiKey>;
