import { Type, type Static } from '@sinclair/typebox';
import { CursorPage, CursorQuery, DateTime, defineRoutes, IdParams, Nullable, Page, PageQuery, Problem, Uuid } from '../core';

/** Lowest to highest; each may do what the ones before it may (API.md "Users, sessions, API keys, audit"). */
export const ROLES = ['viewer', 'operator', 'admin', 'owner'] as const;
export const Role = Type.Union(ROLES.map((r) => Type.Literal(r)));
export type Role = Static<typeof Role>;

/** Compared case-insensitively; unique on the platform. */
export const Email = Type.String({ minLength: 3, maxLength: 254, pattern: '^[^\\s@]+@[^\\s@]+$' });
export const Password = Type.String({ minLength: 12, maxLength: 128 });
const PersonName = Type.String({ minLength: 1, maxLength: 100 });

export const UserRef = Type.Object({ id: Uuid, email: Type.String(), name: Type.String(), role: Role });
export const User = Type.Object({ id: Uuid, email: Type.String(), name: Type.String(), role: Role, disabled: Type.Boolean(), createdAt: DateTime, updatedAt: DateTime });
export const NewUser = Type.Object({ email: Email, name: PersonName, role: Role, password: Password }, { additionalProperties: false });
export const TenantRef = Type.Object({ id: Uuid, name: Type.String() });

export const LoginAnswer = Type.Object({ user: UserRef, tenant: TenantRef, csrfToken: Type.String(), expiresAt: DateTime });
export const Me = Type.Object({
  /** A session's user. */
  user: Type.Optional(UserRef),
  /** A key's own description. */
  apiKey: Type.Optional(Type.Object({ id: Uuid, name: Nullable(Type.String()), role: Role })),
  tenant: TenantRef,
  role: Role,
  /** A session's CSRF token, so that a reloaded page can go on. */
  csrfToken: Type.Optional(Type.String()),
});

export const TenantApiKey = Type.Object({
  id: Uuid,
  name: Nullable(Type.String()),
  role: Role,
  createdAt: DateTime,
  lastUsedAt: Nullable(DateTime),
  revokedAt: Nullable(DateTime),
  /** The user or key that made it; null for keys made by the platform admin. */
  createdBy: Nullable(Uuid),
});
export const CreatedTenantApiKey = Type.Object({ id: Uuid, name: Type.String(), role: Role, apiKey: Type.String(), createdAt: DateTime });

export const AuditActorType = Type.Union([Type.Literal('user'), Type.Literal('apiKey'), Type.Literal('admin'), Type.Literal('system')]);
export const AuditEvent = Type.Object(
  {
    id: Uuid,
    at: DateTime,
    tenantId: Nullable(Uuid),
    actor: Type.Object({ type: AuditActorType, id: Nullable(Type.String()), label: Nullable(Type.String()) }),
    action: Type.String(),
    resource: Type.Object({ type: Nullable(Type.String()), id: Nullable(Type.String()) }),
    /** The answer's status; null while the request has not been answered (or its gateway died), and for actor `system` (no request). */
    status: Nullable(Type.Integer()),
    requestId: Nullable(Type.String()),
    ip: Nullable(Type.String()),
    userAgent: Nullable(Type.String()),
  },
  { $id: 'AuditEvent' },
);
const AuditFilters = {
  ...CursorQuery,
  actorId: Type.Optional(Type.String({ maxLength: 200 })),
  action: Type.Optional(Type.String({ maxLength: 100 })),
  resourceType: Type.Optional(Type.String({ maxLength: 100 })),
  resourceId: Type.Optional(Type.String({ maxLength: 200 })),
  from: Type.Optional(DateTime),
  to: Type.Optional(DateTime),
};
export const AuditQuery = Type.Object(AuditFilters, { additionalProperties: false });
export const AdminAuditQuery = Type.Object({ ...AuditFilters, tenantId: Type.Optional(Uuid) }, { additionalProperties: false });

const errs = { 400: Problem, 401: Problem, 403: Problem };

/** Routes the gateway serves itself for people and tenant-managed keys. */
export const accessRoutes = defineRoutes({
  login: {
    method: 'POST', url: '/v1/auth/login', operationId: 'login', summary: 'Log in: a session cookie and its CSRF token', tags: ['Auth'],
    schema: {
      body: Type.Object({ email: Type.String({ minLength: 1, maxLength: 254 }), password: Type.String({ minLength: 1, maxLength: 128 }) }, { additionalProperties: false }),
      response: { 200: LoginAnswer, 400: Problem, 401: Problem, 429: Problem },
    },
  },
  logout: {
    method: 'POST', url: '/v1/auth/logout', operationId: 'logout', summary: 'End this session on every gateway replica', tags: ['Auth'],
    schema: { response: { 204: Type.Null(), ...errs } },
  },
  getMe: {
    method: 'GET', url: '/v1/me', operationId: 'getMe', summary: 'Who is calling: the user (with the CSRF token) or the API key, the tenant and the role', tags: ['Auth'],
    schema: { response: { 200: Me, ...errs } },
  },
  changeMyPassword: {
    method: 'POST', url: '/v1/me/password', operationId: 'changeMyPassword', summary: "Change the session user's password; every other session of the user ends", tags: ['Auth'],
    schema: {
      body: Type.Object({ currentPassword: Type.String({ minLength: 1, maxLength: 128 }), newPassword: Password }, { additionalProperties: false }),
      response: { 204: Type.Null(), ...errs },
    },
  },
  listUsers: {
    method: 'GET', url: '/v1/users', operationId: 'listUsers', summary: "List the tenant's users (newest first)", tags: ['Users'],
    schema: { querystring: Type.Object(PageQuery, { additionalProperties: false }), response: { 200: Page(User), ...errs } },
  },
  createUser: {
    method: 'POST', url: '/v1/users', operationId: 'createUser', summary: 'Create a user of the tenant', tags: ['Users'],
    schema: { body: NewUser, response: { 201: User, ...errs, 409: Problem } },
  },
  getUser: {
    method: 'GET', url: '/v1/users/:id', operationId: 'getUser', summary: 'Get a user', tags: ['Users'],
    schema: { params: IdParams, response: { 200: User, ...errs, 404: Problem } },
  },
  updateUser: {
    method: 'PATCH', url: '/v1/users/:id', operationId: 'updateUser', summary: "Rename, change the role or password of, disable or enable a user (a new password, disabling or a demotion ends the user's sessions as needed)", tags: ['Users'],
    schema: {
      params: IdParams,
      body: Type.Object({ name: Type.Optional(PersonName), role: Type.Optional(Role), password: Type.Optional(Password), disabled: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
      response: { 200: User, ...errs, 404: Problem, 409: Problem },
    },
  },
  deleteUser: {
    method: 'DELETE', url: '/v1/users/:id', operationId: 'deleteUser', summary: 'Delete a user; their sessions end', tags: ['Users'],
    schema: { params: IdParams, response: { 204: Type.Null(), ...errs, 404: Problem, 409: Problem } },
  },
  createApiKey: {
    method: 'POST', url: '/v1/api-keys', operationId: 'createApiKey', summary: "Create an API key of the tenant (role at most the creator's); the key is shown only here", tags: ['API keys'],
    schema: { body: Type.Object({ name: Type.String({ minLength: 1, maxLength: 100 }), role: Role }, { additionalProperties: false }), response: { 201: CreatedTenantApiKey, ...errs } },
  },
  listApiKeys: {
    method: 'GET', url: '/v1/api-keys', operationId: 'listApiKeys', summary: "List the tenant's API keys (never the key itself)", tags: ['API keys'],
    schema: { querystring: Type.Object(PageQuery, { additionalProperties: false }), response: { 200: Page(TenantApiKey), ...errs } },
  },
  revokeApiKey: {
    method: 'DELETE', url: '/v1/api-keys/:id', operationId: 'revokeApiKey', summary: 'Revoke an API key of the tenant at once', tags: ['API keys'],
    schema: { params: IdParams, response: { 204: Type.Null(), ...errs, 404: Problem } },
  },
  listAuditEvents: {
    method: 'GET', url: '/v1/audit-events', operationId: 'listAuditEvents', summary: "The tenant's audit log (newest first)", tags: ['Audit'],
    schema: { querystring: AuditQuery, response: { 200: CursorPage(AuditEvent), ...errs } },
  },
  listAllAuditEvents: {
    method: 'GET', url: '/v1/admin/audit-events', operationId: 'listAllAuditEvents', summary: 'The audit log of every tenant (platform admin)', tags: ['Admin'],
    schema: { querystring: AdminAuditQuery, response: { 200: CursorPage(AuditEvent), 400: Problem, 401: Problem } },
  },
});
