/**
 * The session routes of API.md ("Users, sessions, API keys, audit": issue 13), typed by hand in
 * openapi-typescript's shape because the gateway's document does not have them yet. Once issue 13
 * serves them, `schema.d.ts` has them too: delete this file and use `paths` alone (client.ts).
 */
import type { components } from './schema';

type Problem = components['schemas']['Problem'];
type Json<T> = { headers: Record<string, unknown>; content: { 'application/json': T } };
type ProblemJson = { headers: Record<string, unknown>; content: { 'application/problem+json': Problem } };
type NoContent = { headers: Record<string, unknown>; content?: never };

export type Role = 'viewer' | 'operator' | 'admin' | 'owner';
export interface SessionUser {
  id: string;
  email: string;
  name: string;
  role: Role;
}
export interface Tenant {
  id: string;
  name: string;
}
export interface LoginAnswer {
  user: SessionUser;
  tenant: Tenant;
  csrfToken: string;
  expiresAt: string;
}
/** `GET /v1/me`: a session's (`user`, `csrfToken`) or an API key's (`apiKey`). */
export interface Me {
  user?: SessionUser;
  apiKey?: { id: string; name: string; role: Role };
  tenant: Tenant;
  role: Role;
  csrfToken?: string;
}

interface Operation<Body, Responses> {
  parameters: { query?: never; header?: never; path?: never; cookie?: never };
  requestBody: Body extends never ? never : { content: { 'application/json': Body } };
  responses: Responses;
}
interface PathItem<Get = never, Post = never> {
  parameters: { query?: never; header?: never; path?: never; cookie?: never };
  get: Get;
  put?: never;
  post: Post;
  delete?: never;
  options?: never;
  head?: never;
  patch?: never;
  trace?: never;
}

export interface AuthPaths {
  '/v1/auth/login': PathItem<never, Operation<{ email: string; password: string }, { 200: Json<LoginAnswer>; 400: ProblemJson; 401: ProblemJson; 429: ProblemJson }>>;
  '/v1/auth/logout': PathItem<never, Omit<Operation<never, { 204: NoContent; 401: ProblemJson }>, 'requestBody'> & { requestBody?: never }>;
  '/v1/me': PathItem<Omit<Operation<never, { 200: Json<Me>; 401: ProblemJson }>, 'requestBody'> & { requestBody?: never }>;
}
