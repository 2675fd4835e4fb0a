import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { pruneInbox } from '@autocall/db';
import type { Envelope, EventContract, EventPayload } from '@autocall/contracts';
import type { Logger } from '@autocall/logger';
import { WorkLoop, type TurnResult } from '@autocall/work-loop';
import type { Bus } from './bus';
import { firstError } from './validation';

export interface OutboxOptions {
  requestId?: string;
  id?: string;
}

/**
 * Writes an event to the service's outbox in the caller's transaction: it is published if and
 * only if the state change commits. The relay sends it.
 */
export async function publishInTransaction<C extends EventContract>(
  manager: EntityManager,
  contract: C,
  payload: EventPayload<C>,
  opts: OutboxOptions = {},
): Promise<void> {
  await publishManyInTransaction(manager, contract, [payload], opts.requestId);
}

/** Batch form: one INSERT for many events of one contract. */
export async function publishManyInTransaction<C extends EventContract>(
  manager: EntityManager,
  contract: C,
  payloads: EventPayload<C>[],
  requestId?: string,
): Promise<void> {
  if (payloads.length === 0) return;
  const insert = outboxInsert(contract, payloads, requestId);
  await manager.query(insert.sql, insert.params);
}

/**
 * The outbox INSERT of these events (validated against their contract) as SQL and parameters, its
 * placeholders numbered from `first`: for a caller that writes its change and its events in one
 * statement (the INSERT as the body of a data-modifying CTE's statement). Sent if and only if it commits.
 */
export function outboxInsert<C extends EventContract>(contract: C, payloads: EventPayload<C>[], requestId?: string, first = 1): { sql: string; params: unknown[] } {
  for (const p of payloads) {
    const problem = firstError(contract.payload, p);
    if (problem) throw new Error(`event ${contract.name} v${contract.version} does not match its contract: ${problem}`);
  }
  const $ = (i: number) => `$${first + i}`;
  return {
    // clock_timestamp, not now(): transactions serialized by a row lock get increasing times even
    // when the later one began first, so consumers can keep the newest snapshot by occurredAt
    sql: `INSERT INTO outbox (id, name, version, payload, headers, created_at)
     SELECT unnest(${$(0)}::uuid[]), ${$(1)}, ${$(2)}, unnest(${$(3)}::jsonb[]), ${$(4)}::jsonb, clock_timestamp()`,
    params: [payloads.map(() => randomUUID()), contract.name, contract.version, payloads.map((p) => JSON.stringify(p)), JSON.stringify(requestId ? { requestId } : {})],
  };
}

interface OutboxRow {
  seq: string;
  id: string;
  name: string;
  version: number;
  payload: unknown;
  headers: { requestId?: string };
  created_at: Date;
}

/**
 * Publishes pending outbox rows with confirms, oldest first, and marks them sent in the same
 * transaction that locked them (FOR UPDATE SKIP LOCKED, so replicas share the work). A crash
 * after publishing and before the commit publishes again: consumers deduplicate by message id.
 */
export class OutboxRelay {
  private readonly publishing: WorkLoop;
  /** Its own loop, so that a long prune never holds up publishing. */
  private readonly pruning?: WorkLoop;
  private lastPrune = 0;

  constructor(
    private readonly ds: DataSource,
    private readonly bus: Bus,
    private readonly logger: Logger,
    private readonly opts: {
      intervalMs?: number;
      batchSize?: number;
      /** Inbox rows older than this are pruned (INBOX_RETENTION_HOURS); undefined: the inbox is kept. */
      inboxRetentionHours?: number;
      /** How often the inbox is pruned; default 10 minutes. */
      inboxPruneEveryMs?: number;
    } = {},
  ) {
    const intervalMs = opts.intervalMs ?? 100;
    this.publishing = new WorkLoop({ name: 'outbox relay', logger, intervalMs, turn: () => this.turn() });
    const retention = opts.inboxRetentionHours;
    if (retention !== undefined) {
      // replicas may prune at the same time (they delete in small batches)
      this.pruning = new WorkLoop({
        name: 'inbox pruning',
        logger,
        intervalMs: opts.inboxPruneEveryMs ?? 600_000,
        turn: async ({ stopped }) => {
          const n = await pruneInbox(this.ds, retention, { stopped });
          if (n > 0) this.logger.info({ deleted: n, retentionHours: retention }, 'inbox pruned');
        },
      });
    }
  }

  start(): void {
    this.publishing.start();
    this.pruning?.start();
  }

  /** Publish now rather than at the next tick (call after committing outbox rows). */
  nudge(): void {
    this.publishing.nudge();
  }

  /** Publishes what is pending (a full batch: look again at once), and prunes sent rows now and then. */
  private async turn(): Promise<TurnResult> {
    let published = 0;
    try {
      if (this.bus.isConnected()) published = await this.flushOnce();
      if (Date.now() - this.lastPrune > 60_000) {
        this.lastPrune = Date.now();
        await this.ds.query(`DELETE FROM outbox WHERE sent_at < now() - interval '1 day'`);
      }
    } catch (err) {
      // tried again an interval later, without a growing back-off: events wait for nothing longer than they must
      this.logger.warn({ err: (err as Error).message }, 'outbox relay: publish failed; will retry');
      return undefined;
    }
    return published >= (this.opts.batchSize ?? 500) ? 'again' : undefined;
  }

  /** Publishes one batch; returns how many rows it sent. */
  async flushOnce(): Promise<number> {
    return this.ds.transaction(async (m) => {
      const rows = (await m.query(
        `SELECT seq, id, name, version, payload, headers, created_at FROM outbox
          WHERE sent_at IS NULL ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [this.opts.batchSize ?? 500],
      )) as OutboxRow[];
      if (rows.length === 0) return 0;
      await this.bus.publishEnvelopes(
        rows.map((r) => ({
          envelope: { id: r.id, name: r.name, version: r.version, occurredAt: r.created_at.toISOString(), payload: r.payload } satisfies Envelope,
          requestId: r.headers?.requestId,
        })),
      );
      await m.query(`UPDATE outbox SET sent_at = now(), attempts = attempts + 1 WHERE seq = ANY($1::bigint[])`, [rows.map((r) => r.seq)]);
      return rows.length;
    });
  }

  /** Stops both loops; resolves once a running publish or prune has ended. */
  async stop(): Promise<void> {
    await Promise.all([this.publishing.stop(), this.pruning?.stop()]);
  }
}
