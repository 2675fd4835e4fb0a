import type { Task, TaskDryRun, TaskSnapshotT } from '@autocall/contracts';
import { finalOf, percentOf, type TaskRow } from './task';
import type { BlackoutRanges } from '@autocall/dialing-time';
import { firstCallAt, nextWindowOpening, toLocalIso } from './time';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** The task's dialing settings as the API shows them: the zone and the blackout switch always set. */
const dialingView = (r: TaskRow): Task['dialing'] => ({
  ...r.dialing,
  timeZone: r.dialing.timeZone ?? r.timezone,
  skipBlackouts: r.dialing.skipBlackouts ?? true,
  retry: r.dialing.retry ?? {},
  endAt: r.dialing.endAt ?? null,
  endAtLocal: r.dialing.endAt ? toLocalIso(new Date(r.dialing.endAt), r.timezone) : null,
  dtmf: r.dialing.dtmf ?? { enabled: false, rules: [] },
});

/** The blackouts a task honours: its tenant's, unless its dialing.skipBlackouts is false. */
const honoured = (r: TaskRow, blackouts: BlackoutRanges): BlackoutRanges => (r.dialing.skipBlackouts === false ? [] : blackouts);

/** The task as the API shows it; `blackouts`: its tenant's calendar, which `nextCallAt` skips. */
export function toView(r: TaskRow, now = new Date(), blackouts: BlackoutRanges = []): Task {
  const final = finalOf(r);
  const next = r.status === 'running' ? nextWindowOpening(r.dialing.callingWindow, now, r.timezone, honoured(r, blackouts)) : null;
  return {
    id: r.id,
    name: r.name,
    status: r.status,
    recordingId: r.recording_id,
    rosterId: r.roster_id,
    start: { mode: r.start_mode, at: r.start_at.toISOString(), atLocal: toLocalIso(r.start_at, r.timezone) },
    sms: r.sms,
    dialing: dialingView(r),
    progress: {
      total: r.total,
      pending: Math.max(0, r.total - final - r.cancelled),
      answered: r.answered,
      noAnswer: r.no_answer,
      busy: r.busy,
      unavailable: r.unavailable,
      invalidNumber: r.invalid_number,
      failed: r.failed,
      suppressed: r.suppressed,
      expired: r.expired,
      cancelled: r.cancelled,
      smsSent: r.sms_sent,
      smsFailed: r.sms_failed,
      percent: percentOf(r),
    },
    nextCallAt: iso(next),
    nextCallAtLocal: next ? toLocalIso(next, r.timezone) : null,
    startedAt: iso(r.started_at),
    pausedAt: iso(r.paused_at),
    completedAt: iso(r.completed_at),
    cancelledAt: iso(r.cancelled_at),
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}
/**
 * What a dry run answers for the row a create would insert: the task's view without what only an
 * insert makes (id, timestamps), and `nextCallAt` always set — when the first call would go out.
 */
export function toDraftView(r: TaskRow, blackouts: BlackoutRanges = []): TaskDryRun['task'] {
  const { id: _id, createdAt: _createdAt, updatedAt: _updatedAt, ...view } = toView(r, r.start_at, blackouts);
  const first = firstCallAt(r.dialing.callingWindow, r.start_at, r.timezone, honoured(r, blackouts));
  return { ...view, nextCallAt: first.toISOString(), nextCallAtLocal: toLocalIso(first, r.timezone) };
}

/** The contract's type (`Static` of its schema), not one written beside it. */
export type TaskView = Task;

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
    dialing: dialingView(r),
    timezone: r.timezone,
    startAt: r.start_at.toISOString(),
  };
}

/** The public `task.status` event's payload: the task as `GET /v1/tasks/{id}` shows it. */
export function statusPayload(r: TaskRow): { tenantId: string; task: Task } {
  return { tenantId: r.tenant_id, task: toView(r) };
}

/** The public `task.progress` event's payload (the stream's; coalesced there). */
export function progressPayload(r: TaskRow): { tenantId: string; taskId: string; status: string; progress: Task['progress'] } {
  return { tenantId: r.tenant_id, taskId: r.id, status: r.status, progress: toView(r).progress };
}
