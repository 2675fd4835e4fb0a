/** The session answers, as the gateway's OpenAPI document (schema.d.ts) declares them. */
import type { paths } from './schema';

type JsonOf<R> = R extends { content: { 'application/json': infer T } } ? T : never;

/** `GET /v1/me`: a session's (`user`, `csrfToken`) or an API key's (`apiKey`). */
export type Me = JsonOf<paths['/v1/me']['get']['responses'][200]>;
/** `POST /v1/auth/login`'s answer. */
export type LoginAnswer = JsonOf<paths['/v1/auth/login']['post']['responses'][200]>;
export type Role = Me['role'];
