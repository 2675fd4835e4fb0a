import type { DataSource, EntityManager } from 'typeorm';
import { CallCompleted, DialerTaskDrained, SmsFailed, SmsSent, TaskCompleted, type CallCompletedT, type EventPayload, type TaskSnapshotT } from '@autocall/contracts';
import { handleBatchOnce, publishManyInTransaction, type BatchItem, type OutboxRelay } from '@autocall/bus';
import { PROGRESS_COUNTERS, taskRepository as repo, type Outcome, type ProgressCounter, type TaskRow } from '../data/task.repository';
import { shouldComplete, toSnapshot } from './task';

type SmsResult = EventPayload<typeof SmsSent>;
type Drained = EventPayload<typeof DialerTaskDrained>;

export const PROGRESS_CONSUMER = 'task.progress';

/** What one batch of messages does to each task, before any SQL runs. */
interface TaskFold {
  taskId: string;
  tenantId: string;
  /** one entry per number: its latest final attempt in the batch */
  finals: Map<string, { phone: string; outcome: Outcome; attempt: number }>;
  /** one entry per (number, kind): its latest SMS end state in the batch */
  sms: Map<string, { phone: string; kind: string; status: string }>;
  finalCount?: number;
  /** numbers the dialer never loaded (roster refused by its owner): counted failed */
  unreached?: number;
  requestId?: string;
}

/**
 * Folds the dialer's and the sms service's results into the task's counters, once per message
 * (inbox) and once per number (task_numbers / task_sms), and completes the task in the
 * transaction where its counters reach the dialer's final count.
 *
 * A batch of messages is one transaction with a fixed number of statements whatever its size:
 * the inbox insert, a lock on the batch's tasks, one insert for the numbers' finals, one for the
 * SMS end states, one counter update for all the tasks, and the completions.
 */
export class ProgressService {
  constructor(
    private readonly db: DataSource,
    private readonly relay: OutboxRelay,
  ) {}

  /** Handles call.completed, sms.sent|failed and dialer.task.drained messages, in arrival order. */
  async applyBatch(items: BatchItem[]): Promise<void> {
    // a non-final call result changes nothing (a retry follows): it needs no inbox row either
    const relevant = items.filter((i) => i.contract !== CallCompleted || (i.payload as CallCompletedT).final);
    if (relevant.length === 0) return;
    const fresh = await handleBatchOnce(this.db, PROGRESS_CONSUMER, relevant, (m, todo) => this.fold(m, todo));
    if (fresh > 0) this.relay.nudge();
  }

  private async fold(m: EntityManager, items: BatchItem[]): Promise<void> {
    // keyed by task and tenant: a message naming another tenant than its task's is ignored below
    const folds = new Map<string, TaskFold>();
    const foldOf = (tenantId: string, taskId: string) => {
      let f = folds.get(`${taskId}/${tenantId}`);
      if (!f) folds.set(`${taskId}/${tenantId}`, (f = { taskId, tenantId, finals: new Map(), sms: new Map() }));
      return f;
    };
    for (const { contract, payload, ctx } of items) {
      if (contract === CallCompleted) {
        const e = payload as CallCompletedT;
        const f = foldOf(e.tenantId, e.taskId);
        const seen = f.finals.get(e.phone);
        // as if applied one by one: a later attempt replaces an earlier one, an equal or older one does not
        if (!seen || e.attempt > seen.attempt) f.finals.set(e.phone, { phone: e.phone, outcome: e.outcome as Outcome, attempt: e.attempt });
        f.requestId = ctx.requestId ?? f.requestId;
      } else if (contract === SmsSent || contract === SmsFailed) {
        const e = payload as SmsResult;
        const f = foldOf(e.tenantId, e.taskId);
        f.sms.set(`${e.phone}\u0000${e.kind}`, { phone: e.phone, kind: e.kind, status: e.status }); // the latest end state counts
      } else if (contract === DialerTaskDrained) {
        const e = payload as Drained;
        const f = foldOf(e.tenantId, e.taskId);
        f.finalCount = e.finalCount;
        f.unreached = e.unreached ?? 0;
        f.requestId = ctx.requestId ?? f.requestId;
      }
    }
    // Lock the tasks first: their counters, numbers and completion change under this lock only.
    const tasks = await repo.lockForProgress(m, [...new Set([...folds.values()].map((f) => f.taskId))]);
    // deleted, or another tenant's: ignored
    const byTask = new Map<string, TaskFold>();
    for (const t of tasks) {
      const f = folds.get(`${t.id}/${t.tenant_id}`);
      if (f) byTask.set(t.id, f);
    }
    const mine = [...byTask.entries()];
    if (mine.length === 0) return;

    const deltas = new Map<string, Partial<Record<ProgressCounter, number>>>();
    const add = (taskId: string, counts: Partial<Record<ProgressCounter, number>>) => {
      const d = deltas.get(taskId) ?? {};
      for (const c of PROGRESS_COUNTERS) if (counts[c]) d[c] = (d[c] ?? 0) + Number(counts[c]);
      deltas.set(taskId, d);
    };
    const finals = mine.flatMap(([taskId, f]) => [...f.finals.values()].map((n) => ({ taskId, ...n })));
    for (const r of await repo.recordFinals(m, finals)) add(r.task_id, r);
    for (const [taskId, f] of mine) if (f.unreached) add(taskId, { failed: f.unreached }); // never loaded: failed, with no call
    const sms = mine.flatMap(([taskId, f]) => [...f.sms.values()].map((s) => ({ taskId, ...s })));
    for (const r of await repo.recordSmsMany(m, sms)) add(r.task_id, r);

    const changes = mine
      .map(([id, f]) => ({ id, deltas: deltas.get(id) ?? {}, finalCount: f.finalCount }))
      .filter((c) => c.finalCount !== undefined || Object.values(c.deltas).some((v) => v !== 0));
    const rows = await repo.applyProgress(m, changes);
    await this.completeIfDone(m, rows.filter(shouldComplete), byTask);
  }

  /** Completes, in this transaction, the tasks whose counters reached the dialer's final count. */
  private async completeIfDone(m: EntityManager, due: TaskRow[], byTask: Map<string, TaskFold>): Promise<void> {
    const byRequest = new Map<string | undefined, TaskSnapshotT[]>();
    for (const row of due) {
      const r = await repo.update(m, row.id, { status: 'completed', completed_at: new Date(), paused_at: null });
      const requestId = byTask.get(row.id)?.requestId;
      byRequest.set(requestId, [...(byRequest.get(requestId) ?? []), toSnapshot(r)]);
    }
    for (const [requestId, snapshots] of byRequest) await publishManyInTransaction(m, TaskCompleted, snapshots, requestId);
  }
}
