/**
 * The hook for long-lived requests (the `/v1/events` stream, issue to come): a stream registers the
 * credential it was opened with (an API key id or a session id) and is told when that credential
 * stops working — revoked or logged out on this replica, or on another one (LISTEN/NOTIFY), or when
 * a change to its user may have ended it (the stream then re-checks the session).
 */
export class CredentialEnds {
  private readonly watchers = new Map<string, Set<() => void>>();

  /** Calls `onEnd` when `credentialId` may have ended; the returned function stops watching. */
  watch(credentialId: string, onEnd: () => void): () => void {
    let set = this.watchers.get(credentialId);
    if (!set) this.watchers.set(credentialId, (set = new Set()));
    set.add(onEnd);
    return () => {
      set.delete(onEnd);
      if (set.size === 0) this.watchers.delete(credentialId);
    };
  }

  ended(credentialId: string): void {
    const set = this.watchers.get(credentialId);
    if (!set) return;
    this.watchers.delete(credentialId);
    for (const f of set) f();
  }

  get size(): number {
    return this.watchers.size;
  }
}
