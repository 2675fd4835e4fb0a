/**
 * "At most once per `everyMs` per key": for informative writes (a key's last use, a session's last
 * request) that are not worth one per request. Bounded: past `maxKeys` it forgets everything.
 */
export class Throttle {
  private readonly last = new Map<string, number>();

  constructor(
    private readonly everyMs: number,
    private readonly maxKeys = 100_000,
  ) {}

  /** True when `key` is due (and marks it done now). */
  due(key: string, now = Date.now()): boolean {
    if ((this.last.get(key) ?? 0) >= now - this.everyMs) return false;
    this.last.set(key, now);
    if (this.last.size > this.maxKeys) this.last.clear();
    return true;
  }

  /** The write failed: due again at the next use. */
  forget(key: string): void {
    this.last.delete(key);
  }
}
