import { ROLES, type Role } from '@autocall/contracts';

export type { Role };

/** `a` may do what `b` may. */
export const atLeast = (a: Role, b: Role) => ROLES.indexOf(a) >= ROLES.indexOf(b);

/**
 * Who may call a route: `public` (no credentials), `platform` (the admin token), or the least
 * tenant role. `action` names an audited change (`task.pause`); routes without one change nothing
 * or are audited by their use case (login).
 */
export interface Access {
  least: Role | 'public' | 'platform';
  action?: string;
  /** The service honours `?dryRun=true` here (checks, changes nothing): such a request is not audited. */
  dryRun?: true;
  /** The answer shows a secret (a webhook's signing secret): kept for Idempotency-Key replays only encrypted. */
  secret?: true;
  /** A public route limited per value of this path parameter and per address (SMS callbacks: per token). */
  limitBy?: string;
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
const v: Access = { least: 'viewer' };
const op = (action?: string): Access => ({ least: 'operator', action });
const adm = (action?: string): Access => ({ least: 'admin', action });
const platform = (action?: string): Access => ({ least: 'platform', action });

/**
 * THE role table: every route the gateway serves or proxies, by method and route pattern, with the
 * least role that may call it (API.md's roles). A route missing here is refused to all but owners,
 * and gateway/test/roles.test.ts fails for it: add its row with the route.
 */
export const routeAccess: Record<`${Method} ${string}`, Access> = {
  // the gateway's own
  'POST /v1/auth/login': { least: 'public' },
  'POST /v1/auth/logout': { least: 'viewer', action: 'auth.logout' },
  'GET /v1/me': v,
  'POST /v1/me/password': { least: 'viewer', action: 'user.passwordChange' },
  'GET /v1/users': adm(),
  'POST /v1/users': adm('user.create'),
  'GET /v1/users/:id': adm(),
  'PATCH /v1/users/:id': adm('user.update'),
  'DELETE /v1/users/:id': adm('user.delete'),
  'GET /v1/api-keys': adm(),
  'POST /v1/api-keys': adm('apiKey.create'),
  'DELETE /v1/api-keys/:id': adm('apiKey.revoke'),
  'GET /v1/audit-events': adm(),
  'GET /v1/admin/audit-events': platform(),
  'POST /v1/admin/tenants': platform('tenant.create'),
  'GET /v1/admin/tenants': platform(),
  'GET /v1/admin/tenants/:id': platform(),
  'PATCH /v1/admin/tenants/:id': platform('tenant.update'),
  'POST /v1/admin/tenants/:id/api-keys': platform('tenant.apiKeyCreate'),
  'GET /v1/admin/tenants/:id/api-keys': platform(),
  'DELETE /v1/admin/tenants/:id/api-keys/:keyId': platform('tenant.apiKeyRevoke'),
  // recording
  'GET /v1/recordings': v,
  'POST /v1/recordings': op('recording.create'),
  'GET /v1/recordings/:id': v,
  'GET /v1/recordings/:id/audio': v,
  'PATCH /v1/recordings/:id': op('recording.update'),
  'DELETE /v1/recordings/:id': op('recording.delete'),
  // roster
  'GET /v1/rosters/template': v,
  'GET /v1/rosters': v,
  'POST /v1/rosters': op('roster.create'),
  'GET /v1/rosters/:id': v,
  'GET /v1/rosters/:id/entries': v,
  'GET /v1/rosters/:id/errors': v,
  'PATCH /v1/rosters/:id': op('roster.update'),
  'DELETE /v1/rosters/:id': op('roster.delete'),
  // sms
  'GET /v1/sms-templates': v,
  'POST /v1/sms-templates': op('smsTemplate.create'),
  'GET /v1/sms-templates/:id': v,
  'PATCH /v1/sms-templates/:id': op('smsTemplate.update'),
  'DELETE /v1/sms-templates/:id': op('smsTemplate.delete'),
  'POST /v1/sms-templates/:id/preview': op(), // a computation, not a change: not audited
  'GET /v1/sms-account': v,
  'PUT /v1/sms-account': adm('smsAccount.update'),
  'POST /v1/sms-account/rotate-callback-token': adm('smsAccount.rotateCallbackToken'),
  'POST /v1/sms-account/simulate-inbound': op('smsAccount.simulateInbound'),
  'GET /v1/sms-messages': v,
  'GET /v1/sms-inbound': v,
  // the providers' callbacks: no credentials (the token in the path names the account), limited per token and address
  'POST /v1/sms-callbacks/:token/delivery': { least: 'public', limitBy: 'token' },
  'POST /v1/sms-callbacks/:token/inbound': { least: 'public', limitBy: 'token' },
  'GET /v1/admin/sms-templates': platform(),
  'POST /v1/admin/sms-templates/:id/approve': platform('smsTemplate.approve'),
  'POST /v1/admin/sms-templates/:id/reject': platform('smsTemplate.reject'),
  // task
  'GET /v1/tasks': v,
  'POST /v1/tasks': { ...op('task.create'), dryRun: true },
  'GET /v1/tasks/:id': v,
  'PATCH /v1/tasks/:id': op('task.update'),
  'DELETE /v1/tasks/:id': op('task.delete'),
  'POST /v1/tasks/:id/pause': op('task.pause'),
  'POST /v1/tasks/:id/resume': op('task.resume'),
  'POST /v1/tasks/:id/cancel': op('task.cancel'),
  // dialer
  'GET /v1/tasks/:id/calls': v,
  'GET /v1/tasks/:id/report': v,
  'GET /v1/dnc': v,
  'POST /v1/dnc': op('dnc.add'),
  'POST /v1/dnc/import': op('dnc.import'),
  'GET /v1/dnc/:phone': v,
  'DELETE /v1/dnc/:phone': op('dnc.remove'),
  'GET /v1/calendar': v,
  'PUT /v1/calendar': adm('calendar.update'),
  'GET /v1/contact-policy': v,
  'PUT /v1/contact-policy': adm('contact-policy.update'),
  // events: webhooks are read by every role, changed by admins (their secrets are shown only to the creator and rotator)
  'GET /v1/webhooks': v,
  'POST /v1/webhooks': { ...adm('webhook.create'), secret: true },
  'GET /v1/webhooks/:id': v,
  'PATCH /v1/webhooks/:id': adm('webhook.update'),
  'DELETE /v1/webhooks/:id': adm('webhook.delete'),
  'POST /v1/webhooks/:id/rotate-secret': { ...adm('webhook.rotateSecret'), secret: true },
  'POST /v1/webhooks/:id/test': adm('webhook.test'),
  'GET /v1/webhooks/:id/deliveries': v,
  'POST /v1/webhooks/:id/deliveries/:deliveryId/redeliver': adm('webhookDelivery.redeliver'),
  'GET /v1/events': v,
};

/** What a path that matches no row needs: fail closed (only owners, and the services answer 404). */
export const UNLISTED: Access = { least: 'owner', action: 'unknown' };

export interface MatchedRoute {
  pattern: string;
  access: Access;
  /** The path's parameters by name (`:id`). */
  params: Record<string, string>;
}

interface Compiled {
  method: string;
  pattern: string;
  re: RegExp;
  names: string[];
  access: Access;
  statics: number;
}

/** Matches concrete paths to the table's patterns: a literal segment beats a parameter (`/rosters/template` before `/rosters/:id`). */
export class RouteTable {
  private readonly byMethod = new Map<string, Compiled[]>();
  private readonly exact = new Map<string, Access>();

  constructor(table: Record<string, Access> = routeAccess) {
    for (const [key, access] of Object.entries(table)) {
      const [method, pattern] = key.split(' ');
      this.exact.set(key, access);
      const names: string[] = [];
      const segments = pattern.split('/');
      const re = new RegExp(
        `^${segments
          .map((s) => {
            if (!s.startsWith(':')) return s.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');
            names.push(s.slice(1));
            return '([^/]+)';
          })
          .join('/')}$`,
      );
      const list = this.byMethod.get(method) ?? [];
      list.push({ method, pattern, re, names, access, statics: segments.filter((s) => !s.startsWith(':')).length });
      this.byMethod.set(method, list);
    }
    for (const list of this.byMethod.values()) list.sort((a, b) => b.statics - a.statics);
  }

  /** The row of a method and a route pattern as fastify registered it, if the table has one. */
  row(method: string, pattern: string): Access | undefined {
    return this.exact.get(`${method === 'HEAD' ? 'GET' : method} ${pattern}`);
  }

  /** The row a concrete path (no query) falls under. */
  match(method: string, path: string): MatchedRoute | undefined {
    for (const c of this.byMethod.get(method === 'HEAD' ? 'GET' : method) ?? []) {
      const m = c.re.exec(path);
      if (!m) continue;
      const params: Record<string, string> = {};
      c.names.forEach((n, i) => (params[n] = m[i + 1]));
      return { pattern: c.pattern, access: c.access, params };
    }
    return undefined;
  }
}

/** The resource type of an audited action: `task.pause` → `task`. */
export const resourceTypeOf = (action: string) => action.split('.')[0];
