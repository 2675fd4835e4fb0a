import type { CredentialEnds } from './credential-ends';
import type { Role } from './roles';

export interface LiveKey {
  /** The key's id (or, in the session cache, the session's id). */
  keyId: string;
  tenantId: string;
  role: Role;
}

type Entry<T> = T & { expiresAt: number };

/**
 * The live API keys this replica looked up recently, by key hash, so that a request does not cost a
 * database round trip. Only keys found live enter it (an unknown key is never cached, so a new key
 * works at once). Correctness rests on three rules:
 * - an entry lives `ttlMs` at most: the bound on how long a revocation this replica was not told
 *   about can go unnoticed;
 * - it is used only while `enabled`, i.e. while the replica listens for revocations (PostgreSQL
 *   LISTEN); losing that connection clears and disables it, regaining it clears it again;
 * - every invalidation bumps `epoch`, and a lookup that began before an invalidation does not fill
 *   (it may have read the row before the revocation committed).
 */
export class ApiKeyCache<T extends LiveKey = LiveKey> {
  private readonly entries = new Map<string, Entry<T>>();
  private enabled = false;
  private epochValue = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
    /** Told of every invalidation (open streams close on it). */
    private readonly ends?: CredentialEnds,
  ) {}

  get epoch(): number {
    return this.epochValue;
  }

  get(hash: string, now = Date.now()): T | undefined {
    if (!this.enabled) return undefined;
    const e = this.entries.get(hash);
    if (e === undefined) return undefined;
    if (e.expiresAt <= now) {
      this.entries.delete(hash);
      return undefined;
    }
    return e;
  }

  /** Remembers a key found live by a lookup that began at `epochAtStart`, for `ttlMs` at most and never past `notAfter`. */
  fill(hash: string, key: T, epochAtStart: number, now = Date.now(), notAfter = Infinity): void {
    if (!this.enabled || this.ttlMs <= 0 || epochAtStart !== this.epochValue) return;
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(hash, { ...key, expiresAt: Math.min(now + this.ttlMs, notAfter) });
  }

  /** A key was revoked (or changed): forget it at once. */
  invalidateKey(keyId: string): void {
    this.epochValue++;
    this.ends?.ended(keyId);
    for (const [hash, e] of this.entries) if (e.keyId === keyId) this.entries.delete(hash);
  }

  /** Forgets every entry `drop` picks (a user's sessions when the user changed). */
  invalidateWhere(drop: (e: T) => boolean): void {
    this.epochValue++;
    for (const [hash, e] of this.entries) {
      if (!drop(e)) continue;
      this.entries.delete(hash);
      this.ends?.ended(e.keyId);
    }
  }

  /** Revocations may have been missed (listener lost): nothing cached is trusted or filled until `enable`. */
  disable(): void {
    this.epochValue++;
    this.enabled = false;
    this.entries.clear();
  }

  /** Listening again: start from empty, since revocations made meanwhile were not heard. */
  enable(): void {
    this.epochValue++;
    this.entries.clear();
    this.enabled = true;
  }

  get size(): number {
    return this.entries.size;
  }
}
