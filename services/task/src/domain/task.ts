import type { TaskSnapshotT } from '@autocall/contracts';
import type { TaskRow } from '../data/task.repository';
import { nextWindowOpening, toLocalIso } from './time';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** Numbers with a final outcome (cancelled ones are counted apart). */
export const finalOf = (r: TaskRow) => r.answered + r.no_answer + r.busy + r.unavailable + r.failed;

/** percent = final numbers / total × 100, rounded to two decimals. */
export const percentOf = (r: TaskRow) => (r.total > 0 ? Math.round((finalOf(r) / r.total) * 10000) / 100 : 0);

export function toView(r: TaskRow, now = new Date()) {
  const final = finalOf(r);
  return {
    id: r.id,
    name: r.name,
    status: r.status,
    recordingId: r.recording_id,
    rosterId: r.roster_id,
    start: { mode: r.start_mode, at: r.start_at.toISOString(), atLocal: toLocalIso(r.start_at, r.timezone) },
    sms: r.sms,
    dialing: r.dialing,
    progress: {
      total: r.total,
      pending: Math.max(0, r.total - final - r.cancelled),
      answered: r.answered,
      noAnswer: r.no_answer,
      busy: r.busy,
      unavailable: r.unavailable,
      failed: r.failed,
      cancelled: r.cancelled,
      smsSent: r.sms_sent,
      smsFailed: r.sms_failed,
      percent: percentOf(r),
    },
    nextCallAt: r.status === 'running' ? iso(nextWindowOpening(r.dialing.callingWindow, now, r.timezone)) : null,
    startedAt: iso(r.started_at),
    pausedAt: iso(r.paused_at),
    completedAt: iso(r.completed_at),
    cancelledAt: iso(r.cancelled_at),
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}
export type TaskView = ReturnType<typeof toView>;

/** What every task.* event carries: all the dialer and the sms service need, no cross-schema read. */
export function toSnapshot(r: TaskRow): TaskSnapshotT {
  return {
    tenantId: r.tenant_id,
    taskId: r.id,
    name: r.name,
    status: r.status,
    recordingId: r.recording_id,
    recordingDurationMs: r.recording_duration_ms,
    rosterId: r.roster_id,
    total: r.total,
    sms: r.sms,
    dialing: r.dialing,
    timezone: r.timezone,
    startAt: r.start_at.toISOString(),
  };
}

/** Pure transition rules (API.md "Status"). `same` = an idempotent repeat: 200, no change. */
export type Transition = { kind: 'same' } | { kind: 'invalid' } | { kind: 'go' };

export function pauseRule(status: TaskRow['status']): Transition {
  switch (status) {
    case 'scheduled':
    case 'running':
      return { kind: 'go' };
    case 'paused':
      return { kind: 'same' };
    case 'completed':
    case 'cancelled':
      return { kind: 'invalid' };
  }
}

export function resumeRule(status: TaskRow['status']): Transition {
  switch (status) {
    case 'paused':
      return { kind: 'go' };
    case 'running':
    case 'scheduled':
      return { kind: 'same' };
    case 'completed':
    case 'cancelled':
      return { kind: 'invalid' };
  }
}

export function cancelRule(status: TaskRow['status']): Transition {
  switch (status) {
    case 'scheduled':
    case 'running':
    case 'paused':
      return { kind: 'go' };
    case 'cancelled':
      return { kind: 'same' };
    case 'completed':
      return { kind: 'invalid' };
  }
}

/** A task completes in the transaction where its own counters reach the dialer's final count. */
export function shouldComplete(r: TaskRow): boolean {
  return (r.status === 'running' || r.status === 'paused') && r.final_count !== null && finalOf(r) + r.cancelled >= r.final_count;
}
