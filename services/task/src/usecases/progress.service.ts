import type { DataSource, EntityManager } from 'typeorm';
import { TaskCompleted } from '@autocall/contracts';
import { handleBatchOnce, type BatchItem, type OutboxRelay } from '@autocall/bus';
import { PROGRESS_COUNTERS, taskRepository as repo, type ProgressCounter } from '../data/task.repository';
import { foldKey, foldProgress, movesProgress, type TaskFold } from '../domain/progress';
import { shouldComplete, type TaskRow } from '../domain/task';
import { publishProgress, publishStatus } from './public-events';
import { publishSnapshots } from './snapshot-events';

export const PROGRESS_CONSUMER = 'task.progress';

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
    const relevant = items.filter(movesProgress);
    if (relevant.length === 0) return;
    const fresh = await handleBatchOnce(this.db, PROGRESS_CONSUMER, relevant, (m, todo) => this.fold(m, todo));
    if (fresh > 0) this.relay.nudge();
  }

  private async fold(m: EntityManager, items: BatchItem[]): Promise<void> {
    // keyed by task and tenant: a message naming another tenant than its task's is ignored below
    const folds = foldProgress(items);
    // Lock the tasks first: their counters, numbers and completion change under this lock only.
    const tasks = await repo.lockForProgress(m, [...new Set([...folds.values()].map((f) => f.taskId))]);
    // deleted, or another tenant's: ignored
    const byTask = new Map<string, TaskFold>();
    for (const t of tasks) {
      const f = folds.get(foldKey(t.id, t.tenant_id));
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
    for (const [taskId, f] of mine) if (f.expiredUnloaded) add(taskId, { expired: f.expiredUnloaded }); // never loaded by the end time
    const sms = mine.flatMap(([taskId, f]) => [...f.sms.values()].map((s) => ({ taskId, ...s })));
    for (const r of await repo.recordSmsMany(m, sms)) add(r.task_id, r);

    const changes = mine
      .map(([id, f]) => ({ id, deltas: deltas.get(id) ?? {}, finalCount: f.finalCount }))
      .filter((c) => c.finalCount !== undefined || Object.values(c.deltas).some((v) => v !== 0));
    const rows = await repo.applyProgress(m, changes);
    await this.completeIfDone(m, rows.filter(shouldComplete), byTask);
    await publishProgress(m, rows.filter((r) => !shouldComplete(r)));
  }

  /** Completes, in this transaction, the tasks whose counters reached the dialer's final count. */
  private async completeIfDone(m: EntityManager, due: TaskRow[], byTask: Map<string, TaskFold>): Promise<void> {
    const byRequest = new Map<string | undefined, TaskRow[]>();
    for (const row of due) {
      const r = await repo.update(m, row.id, { status: 'completed', completed_at: new Date(), paused_at: null });
      const requestId = byTask.get(row.id)?.requestId;
      byRequest.set(requestId, [...(byRequest.get(requestId) ?? []), r]);
    }
    for (const [requestId, rows] of byRequest) {
      await publishSnapshots(m, TaskCompleted, rows, requestId);
      await publishStatus(m, rows, requestId);
      // the last progress of a completed task: its final counters on the stream too
      await publishProgress(m, rows);
    }
  }
}
