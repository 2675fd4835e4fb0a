import createClient, { type Middleware } from 'openapi-fetch';
import type { components, paths } from './schema';

export type Problem = components['schemas']['Problem'];
export type Task = components['schemas']['Task'];

/**
 * The console's one API client: the public /v1 API of the gateway it is served by (same origin),
 * typed from the gateway's OpenAPI document. A session cookie authenticates it; every request
 * that changes something carries the session's CSRF token (API.md "sessions and roles").
 */
let csrfToken: string | undefined;
export const setCsrfToken = (token: string | undefined) => {
  csrfToken = token;
};

/** Told when an API answer says the session is gone (401 outside /v1/auth), so the app can ask to log in again. */
let onSessionLost: () => void = () => {};
export const whenSessionLost = (f: () => void) => {
  onSessionLost = f;
};

const session: Middleware = {
  onRequest({ request }) {
    if (csrfToken && !['GET', 'HEAD', 'OPTIONS'].includes(request.method)) request.headers.set('X-CSRF-Token', csrfToken);
    return request;
  },
  onResponse({ request, response }) {
    if (response.status === 401 && !new URL(request.url).pathname.startsWith('/v1/auth/') && new URL(request.url).pathname !== '/v1/me') onSessionLost();
    return response;
  },
};

/** The console reads JSON through this client (files are links the browser downloads), so answers are typed by their `application/json` content. */
export const api = createClient<paths, 'application/json'>({ baseUrl: window.location.origin, credentials: 'same-origin' });
api.use(session);

/** An error answer of the API, or a network failure (`status` 0), as the pages show it. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Partial<Problem>,
    /** seconds, from `Retry-After` (429) */
    readonly retryAfter?: number,
  ) {
    super(problem.detail ?? problem.title ?? `HTTP ${status}`);
  }
}

/** The data of a successful openapi-fetch answer, or an ApiError (what TanStack Query wants from a queryFn). */
export async function unwrap<T>(answer: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  let settled: { data?: T; error?: unknown; response: Response };
  try {
    settled = await answer;
  } catch (err) {
    throw new ApiError(0, { detail: err instanceof Error ? err.message : String(err) });
  }
  if (settled.response.ok) return settled.data as T;
  throw new ApiError(settled.response.status, (settled.error ?? {}) as Partial<Problem>, Number(settled.response.headers.get('Retry-After')) || undefined);
}
