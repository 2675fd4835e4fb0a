import type { Role } from './roles';

// a user's csrfToken is a function: it costs a hash, which only changes and GET /v1/me need

/** Who a request comes from, once the gateway has authenticated it. */
export type Caller =
  | { type: 'admin' }
  | { type: 'apiKey'; id: string; tenantId: string; role: Role }
  | { type: 'user'; id: string; tenantId: string; role: Role; email: string; name: string; sessionId: string; csrfToken: () => string };

export type TenantCaller = Exclude<Caller, { type: 'admin' }>;

/** The actor of an audit record. */
export interface Actor {
  type: 'user' | 'apiKey' | 'admin' | 'system';
  id: string | null;
  label: string | null;
}

export function actorOf(c: Caller): Actor {
  switch (c.type) {
    case 'admin':
      return { type: 'admin', id: null, label: 'admin' };
    case 'apiKey':
      return { type: 'apiKey', id: c.id, label: null };
    case 'user':
      return { type: 'user', id: c.id, label: c.email };
  }
}

/** The actor header's value for the services: `user:<id>`, `apiKey:<id>` or `admin`. */
export const actorHeaderOf = (c: Caller) => (c.type === 'admin' ? 'admin' : `${c.type}:${c.id}`);
