import type { DataSource } from 'typeorm';
import { newId } from '@autocall/contracts';
import type { PasswordHasher } from '../adapters/password-hasher';
import { tenantRepository } from '../data/tenant.repository';
import { userRepository as users } from '../data/user.repository';
import type { ApiKeyCache } from '../domain/api-key-cache';
import type { Caller, TenantCaller } from '../domain/caller';
import { errors } from '../domain/errors';
import { Throttle } from '../domain/throttle';
import {
  csrfTokenOf,
  hashSessionToken,
  LOGIN_FAILURES_PER_ADDRESS,
  LOGIN_FAILURES_PER_EMAIL,
  LOGIN_WINDOW_MS,
  looksLikeSessionToken,
  newSessionToken,
  normalEmail,
  sessionExpiry,
  type LiveSession,
} from '../domain/session';
import type { AuditService } from './audit.service';

export interface SessionOptions {
  idleMinutes: number;
  maxHours: number;
}

export interface RequestContext {
  requestId: string;
  ip: string;
  /** The per-address bucket of the login limit. */
  address: string;
  userAgent: string | null;
}

/** How often (per replica and session) `last_seen_at` is written: the idle timeout counts in minutes. */
const TOUCH_EVERY_MS = 60_000;

const userRef = (u: { id: string; email: string; name: string; role: LiveSession['role'] }) => ({ id: u.id, email: u.email, name: u.name, role: u.role });

/** Logins, sessions and who-am-I. Only a session token's SHA-256 is stored; its CSRF token is derived from it. */
export class SessionService {
  private readonly touched = new Throttle(TOUCH_EVERY_MS);

  constructor(
    private readonly db: DataSource,
    private readonly cache: ApiKeyCache<LiveSession>,
    private readonly hasher: PasswordHasher,
    private readonly audit: AuditService,
    private readonly o: SessionOptions,
  ) {}

  /**
   * A wrong email and a wrong password get the same 401 after the same work (a dummy hash is
   * verified for an unknown email). Failures are counted in the database per email and per address;
   * over either limit, 429 LOGIN_RATE_LIMITED with the seconds to wait, before any hash is computed.
   */
  async login(emailIn: string, password: string, ctx: RequestContext) {
    const email = normalEmail(emailIn);
    const audited = (status: number, u?: { id: string; tenant_id: string }) =>
      this.audit.record(
        {
          tenantId: u?.tenant_id ?? null,
          actor: { type: 'user', id: u?.id ?? null, label: email.slice(0, 254) },
          action: status === 200 ? 'auth.login' : 'auth.login_failed',
          resource: { type: 'user', id: u?.id ?? null },
          requestId: ctx.requestId,
          ip: ctx.ip,
          userAgent: ctx.userAgent,
        },
        status,
      );
    // The attempt is written as a failure before it is counted or checked, so guesses sent at the
    // same instant each see the others (counted first and written after, a burst of 40 all passed
    // a limit of 10); a success or a refusal for the limit takes it back.
    const attempt = await users.insertLoginFailure(this.db.manager, email, ctx.address);
    const seen = await users.countLoginFailures(this.db.manager, email, ctx.address, LOGIN_WINDOW_MS);
    const waits: number[] = [];
    if (seen.email > LOGIN_FAILURES_PER_EMAIL && seen.emailOldest) waits.push(seen.emailOldest.getTime() + LOGIN_WINDOW_MS - Date.now());
    if (seen.address > LOGIN_FAILURES_PER_ADDRESS && seen.addressOldest) waits.push(seen.addressOldest.getTime() + LOGIN_WINDOW_MS - Date.now());
    if (waits.length > 0) {
      await users.forgetLoginAttempt(this.db.manager, attempt);
      await audited(429);
      return { limited: Math.max(1, Math.ceil(Math.max(...waits) / 1000)) } as const;
    }
    const user = await users.findByEmail(this.db.manager, email);
    const ok = user && !user.disabled ? await this.hasher.verify(password, user.password_hash) : await this.hasher.verifyNobody(password);
    if (!user || !ok) {
      await audited(401, user);
      throw errors.INVALID_CREDENTIALS();
    }
    await users.forgetLoginAttempt(this.db.manager, attempt);
    const tenant = await tenantRepository.findTenant(this.db.manager, user.tenant_id);
    if (!tenant) throw errors.INVALID_CREDENTIALS();
    const token = newSessionToken();
    const expiresAt = sessionExpiry(new Date(), this.o.maxHours);
    await users.insertSession(this.db.manager, { id: newId(), tokenHash: hashSessionToken(token), userId: user.id, tenantId: user.tenant_id, expiresAt });
    await audited(200, user);
    return {
      token,
      maxAgeSeconds: this.o.maxHours * 3600,
      answer: { user: userRef(user), tenant: { id: tenant.id, name: tenant.name }, csrfToken: csrfTokenOf(token), expiresAt: expiresAt.toISOString() },
    } as const;
  }

  /** The session, if this replica holds it as live in its cache: no database lookup. */
  authenticateCached(token: string): LiveSession | undefined {
    if (!looksLikeSessionToken(token)) return undefined;
    const hit = this.cache.get(hashSessionToken(token).toString('base64'));
    if (hit) this.touch(hit.keyId);
    return hit;
  }

  /** The live session of a token (not ended, expired or idle too long; its user enabled), else undefined. */
  async authenticate(token: string): Promise<LiveSession | undefined> {
    if (!looksLikeSessionToken(token)) return undefined;
    const cached = this.authenticateCached(token);
    if (cached) return cached;
    const hash = hashSessionToken(token);
    const epoch = this.cache.epoch;
    const row = await users.findLiveSession(this.db, hash, this.o.idleMinutes);
    if (!row) return undefined;
    const live: LiveSession = { keyId: row.session_id, tenantId: row.tenant_id, role: row.role, userId: row.user_id, email: row.email, name: row.name, endsAt: row.expires_at.getTime() };
    this.cache.fill(hash.toString('base64'), live, epoch, Date.now(), live.endsAt);
    this.touch(row.session_id);
    return live;
  }

  /** Ends the session here at once; the commit notifies the other replicas. */
  async logout(caller: Caller): Promise<void> {
    if (caller.type !== 'user') return; // an API key has no session to end
    await users.endSession(this.db.manager, caller.sessionId);
    this.cache.invalidateKey(caller.sessionId);
  }

  async me(caller: TenantCaller) {
    const tenant = await tenantRepository.findTenant(this.db.manager, caller.tenantId);
    if (!tenant) throw errors.UNAUTHORIZED();
    const t = { id: tenant.id, name: tenant.name };
    if (caller.type === 'user') return { user: userRef(caller), tenant: t, role: caller.role, csrfToken: caller.csrfToken() };
    const key = await tenantRepository.findKey(this.db.manager, caller.tenantId, caller.id);
    return { apiKey: { id: caller.id, name: key?.name ?? null, role: caller.role }, tenant: t, role: caller.role };
  }

  /** A new password for the session's user; every other session of the user ends. */
  async changePassword(caller: TenantCaller, current: string, next: string): Promise<void> {
    if (caller.type !== 'user') throw errors.FORBIDDEN('Only a logged-in user has a password to change.');
    const user = await users.findUser(this.db.manager, caller.tenantId, caller.id);
    if (!user || !(await this.hasher.verify(current, user.password_hash))) throw errors.CURRENT_PASSWORD_WRONG();
    const passwordHash = await this.hasher.hash(next);
    await this.db.transaction(async (m) => {
      await users.updateUser(m, caller.id, { passwordHash });
      await users.endSessionsOf(m, caller.id, caller.sessionId);
    });
    this.cache.invalidateWhere((s) => s.userId === caller.id && s.keyId !== caller.sessionId);
  }

  async purge(): Promise<void> {
    await users.purgeExpired(this.db.manager, LOGIN_WINDOW_MS);
  }

  private touch(sessionId: string): void {
    if (this.touched.due(sessionId)) users.touchSession(this.db.manager, sessionId).catch(() => this.touched.forget(sessionId));
  }

}
