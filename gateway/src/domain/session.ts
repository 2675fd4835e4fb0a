import { hash, randomBytes } from 'node:crypto';

/** The session cookie's name (API.md "Users, sessions, API keys, audit"). */
export const SESSION_COOKIE = 'autocall_session';
const TOKEN_RE = /^[A-Za-z0-9_-]{43}$/;

/** An opaque session token: 32 random bytes; only its SHA-256 is stored. */
export function newSessionToken(): string {
  return randomBytes(32).toString('base64url');
}

export function looksLikeSessionToken(token: string): boolean {
  return TOKEN_RE.test(token);
}

export function hashSessionToken(token: string): Buffer {
  return hash('sha256', `session:${token}`, 'buffer');
}

/**
 * The session's CSRF token, derived from the session token (so nothing more is stored, and a
 * reloaded page gets the same one from `GET /v1/me`); the session token cannot be found from it.
 */
export function csrfTokenOf(token: string): string {
  return hash('sha256', `csrf:${token}`, 'base64url');
}

/** The session token in a Cookie header, if any. */
export function sessionTokenFrom(cookieHeader: string | undefined): string | undefined {
  if (!cookieHeader) return undefined;
  for (const part of cookieHeader.split(';')) {
    const eq = part.indexOf('=');
    if (eq !== -1 && part.slice(0, eq).trim() === SESSION_COOKIE) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** `Set-Cookie` of a new session: HttpOnly, SameSite=Strict, Path=/, Secure over HTTPS. */
export function sessionCookie(token: string, maxAgeSeconds: number, secure: boolean): string {
  return `${SESSION_COOKIE}=${token}; Max-Age=${maxAgeSeconds}; Path=/; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
}

/** `Set-Cookie` that removes the session cookie. */
export function clearedSessionCookie(secure: boolean): string {
  return `${SESSION_COOKIE}=; Max-Age=0; Path=/; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
}

/** When a session created at `createdAt` ends at the latest (SESSION_MAX_HOURS). */
export const sessionExpiry = (createdAt: Date, maxHours: number) => new Date(createdAt.getTime() + maxHours * 3_600_000);

/** Login failures in this window count toward the limits below (API.md). */
export const LOGIN_WINDOW_MS = 15 * 60_000;
export const LOGIN_FAILURES_PER_EMAIL = 10;
export const LOGIN_FAILURES_PER_ADDRESS = 50;

/** Emails are compared case-insensitively: stored and looked up in this form. */
export const normalEmail = (email: string) => email.trim().toLowerCase();

/** A live session as the session cache holds it (`keyId` is the session's id). */
export interface LiveSession {
  keyId: string;
  tenantId: string;
  role: import('./roles').Role;
  userId: string;
  email: string;
  name: string;
  /** The session's absolute end (ms since the epoch). */
  endsAt: number;
}
