import type { DataSource } from 'typeorm';
import type { Bus } from '@autocall/bus';
import { isUuid } from '@autocall/contracts';
import type { Logger } from '@autocall/logger';
import { eventRepository, type StoredEvent, type StreamRow } from '../data/event.repository';
import { sseComment, sseFrame } from '../domain/public-event';

/** Where a stream writes: the response (a Node writable). */
export interface StreamSink {
  write(chunk: string): boolean;
  readonly writableLength: number;
  destroy(): void;
  once(event: 'close', listener: () => void): unknown;
}

export interface StreamOptions {
  replayMinutes: number;
  heartbeatMs: number;
  progressMinMs: number;
  pollMs: number;
  maxBufferBytes: number;
}

interface Client {
  tenantId: string;
  taskId?: string;
  types: Set<string> | null;
  sink: StreamSink;
  lastSeq: number;
  pumping: boolean;
  again: boolean;
  closed: boolean;
  /** task.progress coalescing: when each task's last went out, and the latest held back */
  progressSentAt: Map<string, number>;
  progressHeld: Map<string, StreamRow>;
  progressTimer?: NodeJS.Timeout;
}

const PAGE = 500;

/** Each row's frame, built once for all the clients it goes to. */
const frames = new WeakMap<StreamRow, string>();
const frameOf = (r: StreamRow): string => {
  let f = frames.get(r);
  if (f === undefined) frames.set(r, (f = sseFrame(r.id, r.type, r.body)));
  return f;
};

/** The broadcast topic of stored events (every replica's streams hear every replica's store). */
export const STREAM_TOPIC = 'events.stored';

/**
 * One broadcast: a tenant's events just stored, in sequence order, and the last sequence number
 * stored with them. `rows` may hold fewer than were stored (a body too large for the transport):
 * a client that reaches `last` by them alone has everything, any other reads the store.
 */
interface Announcement {
  t: string;
  last: number;
  rows: StreamRow[];
}

const isAnnouncement = (v: unknown): v is Announcement => {
  const a = v as Announcement;
  return !!a && typeof a.t === 'string' && Number.isSafeInteger(a.last) && Array.isArray(a.rows) &&
    a.rows.every((r) => !!r && typeof r.id === 'string' && Number.isSafeInteger(r.seq) && typeof r.type === 'string' && typeof r.body === 'string' && (r.task_id === null || typeof r.task_id === 'string'));
};

/**
 * The live event stream (`GET /v1/events`): each client reads its tenant's stored events in
 * sequence order from where it stands (now, or after its Last-Event-ID within the replay window).
 * The replica that stores events announces them through the broker once they are committed
 * (a broadcast every replica hears, itself included): a client standing just before them gets them
 * from the announcement, without reading the store; one that is behind (a replay, an announcement
 * lost or cut short, events stored while this replica's broker connection was down) reads the
 * store, and reads of one tenant from the same place are shared, so a thousand clients cost one
 * query. A safety poll catches what no announcement said. `task.progress` of one task goes out at
 * most once per `progressMinMs` (the latest wins); a client that leaves more than `maxBufferBytes`
 * unread is dropped; a comment goes out every `heartbeatMs`.
 */
export class EventStreams {
  private readonly byTenant = new Map<string, Set<Client>>();
  private heartbeat?: NodeJS.Timeout;
  private poll?: NodeJS.Timeout;
  /** reads of the store in flight, by tenant and position: clients at the same place share one */
  private readonly reads = new Map<string, Promise<StreamRow[]>>();

  constructor(
    private readonly db: DataSource,
    private readonly bus: Pick<Bus, 'broadcast' | 'broadcastMaxBytes' | 'onBroadcast'>,
    private readonly logger: Logger,
    private readonly opts: StreamOptions,
  ) {}

  /** Hears every replica's announcements (and, after each broker reconnection, looks at every client). */
  async listen(): Promise<void> {
    await this.bus.onBroadcast(STREAM_TOPIC, (body) => this.heard(body), () => this.resume());
  }

  /**
   * Tells every replica's streams about events that were just committed, a broadcast per tenant
   * with as many rows as the transport carries (the rest are read from the store).
   */
  announce(events: StoredEvent[]): void {
    const byTenant = new Map<string, StoredEvent[]>();
    for (const e of events) {
      const list = byTenant.get(e.tenantId);
      if (list) list.push(e);
      else byTenant.set(e.tenantId, [e]);
    }
    const room = this.bus.broadcastMaxBytes - 200;
    for (const [t, list] of byTenant) {
      list.sort((a, b) => a.seq - b.seq);
      const rows: StreamRow[] = [];
      let size = 0;
      for (const e of list) {
        const row: StreamRow = { id: e.id, seq: e.seq, type: e.type, task_id: e.taskId, body: e.body };
        size += Buffer.byteLength(JSON.stringify(row)) + 1;
        if (size > room) break;
        rows.push(row);
      }
      this.bus.broadcast(STREAM_TOPIC, JSON.stringify({ t, last: list[list.length - 1].seq, rows } satisfies Announcement));
    }
  }

  start(): void {
    this.heartbeat = setInterval(() => this.beat(), this.opts.heartbeatMs);
    this.heartbeat.unref();
    this.poll = setInterval(() => void this.catchUp(), this.opts.pollMs);
    this.poll.unref();
  }

  /** Ends every stream (a stopping replica): clients reconnect elsewhere with their Last-Event-ID. */
  stop(): void {
    clearInterval(this.heartbeat);
    clearInterval(this.poll);
    for (const set of this.byTenant.values()) for (const c of set) c.sink.destroy();
  }

  get clients(): number {
    let n = 0;
    for (const set of this.byTenant.values()) n += set.size;
    return n;
  }

  /**
   * Where a new stream starts: after the Last-Event-ID when it names one of the tenant's events
   * stored within the replay window; else now, with a comment that says why.
   */
  async startOf(tenantId: string, lastEventId: string | undefined): Promise<{ afterSeq: number; note?: string }> {
    const now = async () => (await eventRepository.lastSeqs(this.db.manager, [tenantId])).get(tenantId) ?? 0;
    if (lastEventId === undefined || lastEventId === '') return { afterSeq: await now() };
    if (!isUuid(lastEventId)) return { afterSeq: await now(), note: 'Last-Event-ID is not an event id: the stream starts now' };
    const seq = await eventRepository.seqWithin(this.db.manager, tenantId, lastEventId, this.opts.replayMinutes);
    if (seq === undefined) return { afterSeq: await now(), note: `Last-Event-ID is not an event of the last ${this.opts.replayMinutes} minutes: the stream starts now` };
    return { afterSeq: seq };
  }

  /** Serves one stream on `sink` until it closes. */
  open(s: { tenantId: string; taskId?: string; types: Set<string> | null; afterSeq: number; note?: string }, sink: StreamSink): void {
    const c: Client = { tenantId: s.tenantId, taskId: s.taskId, types: s.types, sink, lastSeq: s.afterSeq, pumping: false, again: false, closed: false, progressSentAt: new Map(), progressHeld: new Map() };
    let set = this.byTenant.get(c.tenantId);
    if (!set) this.byTenant.set(c.tenantId, (set = new Set()));
    set.add(c);
    sink.once('close', () => this.drop(c));
    this.send(c, `retry: 2000\n${sseComment(s.note ?? 'connected')}`);
    void this.pump(c);
  }

  /** An announcement: clients just before its rows take them from it; any other reads the store. */
  private heard(body: string): void {
    let a: unknown;
    try {
      a = JSON.parse(body);
    } catch {
      a = undefined;
    }
    if (!isAnnouncement(a)) {
      this.logger.warn('event stream announcement not understood; ignored');
      return;
    }
    for (const c of this.byTenant.get(a.t) ?? []) {
      if (c.lastSeq >= a.last) continue;
      if (c.pumping) {
        c.again = true; // its read goes on from where it stands
        continue;
      }
      for (const r of a.rows) {
        if (r.seq <= c.lastSeq) continue;
        if (r.seq !== c.lastSeq + 1) break;
        c.lastSeq = r.seq;
        if (this.wanted(c, r)) this.deliver(c, r);
        if (c.closed) break;
      }
      if (!c.closed && c.lastSeq < a.last) void this.pump(c);
    }
  }

  /** Announcements may have been missed (the broker connection came back): every client looks. */
  resume(): void {
    for (const set of this.byTenant.values()) for (const c of set) void this.pump(c);
  }

  private async catchUp(): Promise<void> {
    const tenants = [...this.byTenant.keys()];
    if (tenants.length === 0) return;
    try {
      const last = await eventRepository.lastSeqs(this.db.manager, tenants);
      for (const t of tenants) for (const c of this.byTenant.get(t) ?? []) if ((last.get(t) ?? 0) > c.lastSeq) void this.pump(c);
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'event stream poll failed');
    }
  }

  private beat(): void {
    for (const set of this.byTenant.values()) for (const c of set) this.send(c, sseComment('keep-alive'));
  }

  private async pump(c: Client): Promise<void> {
    if (c.closed) return;
    if (c.pumping) {
      c.again = true;
      return;
    }
    c.pumping = true;
    try {
      do {
        c.again = false;
        for (;;) {
          const rows = await this.read(c.tenantId, c.lastSeq);
          for (const r of rows) {
            c.lastSeq = r.seq;
            if (this.wanted(c, r)) this.deliver(c, r);
            if (c.closed) return;
          }
          if (rows.length < PAGE) break;
        }
      } while (c.again && !c.closed);
    } catch (err) {
      // the next notification or poll tries again from the same place
      this.logger.warn({ err: (err as Error).message }, 'event stream read failed');
    } finally {
      c.pumping = false;
    }
  }

  /** The tenant's events after `afterSeq` (a page), one query for every client asking the same at once. */
  private read(tenantId: string, afterSeq: number): Promise<StreamRow[]> {
    const key = `${tenantId}:${afterSeq}`;
    let read = this.reads.get(key);
    if (!read) {
      read = eventRepository.after(this.db.manager, tenantId, afterSeq, PAGE).finally(() => this.reads.delete(key));
      this.reads.set(key, read);
    }
    return read;
  }

  private wanted(c: Client, r: StreamRow): boolean {
    if (c.types && !c.types.has(r.type)) return false;
    return !c.taskId || r.task_id === c.taskId;
  }

  private deliver(c: Client, r: StreamRow): void {
    if (r.type !== 'task.progress' || !r.task_id || this.opts.progressMinMs === 0) {
      this.send(c, frameOf(r));
      return;
    }
    const task = r.task_id;
    const wait = (c.progressSentAt.get(task) ?? 0) + this.opts.progressMinMs - Date.now();
    if (wait <= 0 && !c.progressHeld.has(task)) {
      c.progressSentAt.set(task, Date.now());
      this.send(c, frameOf(r));
      return;
    }
    c.progressHeld.set(task, r); // the latest of the task waits for its turn
    if (!c.progressTimer) {
      c.progressTimer = setTimeout(() => this.flushProgress(c), Math.max(0, wait));
      c.progressTimer.unref();
    }
  }

  private flushProgress(c: Client): void {
    c.progressTimer = undefined;
    if (c.closed) return;
    const now = Date.now();
    let next = Infinity;
    for (const [task, r] of c.progressHeld) {
      const due = (c.progressSentAt.get(task) ?? 0) + this.opts.progressMinMs;
      if (due <= now) {
        c.progressHeld.delete(task);
        c.progressSentAt.set(task, now);
        this.send(c, frameOf(r));
      } else next = Math.min(next, due);
    }
    if (Number.isFinite(next) && !c.closed) {
      c.progressTimer = setTimeout(() => this.flushProgress(c), next - now);
      c.progressTimer.unref();
    }
  }

  /**
   * Writes, or drops a client that does not read: one whose earlier writes still wait unsent beyond
   * the cap (measured before writing, so a reader that keeps up always gets a large event).
   */
  private send(c: Client, chunk: string): void {
    if (c.closed) return;
    if (c.sink.writableLength > this.opts.maxBufferBytes) {
      this.logger.info({ tenantId: c.tenantId, unread: c.sink.writableLength }, 'event stream client not reading: dropped');
      c.sink.destroy();
      this.drop(c);
      return;
    }
    c.sink.write(chunk);
  }

  private drop(c: Client): void {
    if (c.closed) return;
    c.closed = true;
    clearTimeout(c.progressTimer);
    const set = this.byTenant.get(c.tenantId);
    set?.delete(c);
    if (set?.size === 0) this.byTenant.delete(c.tenantId);
  }
}
