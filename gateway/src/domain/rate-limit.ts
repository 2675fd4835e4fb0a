export interface Window {
  /** Hits counted in the current window, this one included. */
  count: number;
  /** When the window ends (ms since the epoch). */
  resetAt: number;
}

/**
 * Fixed-window counters in memory, one per key (per replica). Every window has the same length, so
 * the Map's insertion order is the order in which windows end: ended ones are dropped from the front
 * as hits arrive, and when `maxKeys` live windows exist the oldest is dropped, so that a flood of
 * distinct keys costs bounded memory.
 */
export class FixedWindows {
  private readonly windows = new Map<string, Window>();

  constructor(
    readonly limit: number,
    readonly windowMs: number,
    private readonly maxKeys = 100_000,
  ) {}

  /** Counts a hit for `key`; the window it fell in (over the limit when `count > limit`). */
  hit(key: string, now = Date.now()): Window {
    this.dropEnded(now);
    let w = this.windows.get(key);
    if (w === undefined || w.resetAt <= now) {
      if (w !== undefined) this.windows.delete(key);
      else if (this.windows.size >= this.maxKeys) this.windows.delete(this.windows.keys().next().value as string);
      w = { count: 0, resetAt: now + this.windowMs };
      this.windows.set(key, w);
    }
    w.count++;
    return w;
  }

  /** Milliseconds until `key` may try again, when it has used up its window; else 0. Counts nothing. */
  blockedFor(key: string, now = Date.now()): number {
    const w = this.windows.get(key);
    return w !== undefined && w.resetAt > now && w.count >= this.limit ? w.resetAt - now : 0;
  }

  private dropEnded(now: number): void {
    for (const [key, w] of this.windows) {
      if (w.resetAt > now) return;
      this.windows.delete(key);
    }
  }
}
