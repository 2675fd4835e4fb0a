import type { Task, TaskDryRun, TaskSnapshotT, TaskSnapshotV2T } from '@autocall/contracts';
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
  amd: r.dialing.amd ?? { enabled: false, onMachine: 'hangup' },
});

/** The blackouts a task honours: its tenant's, unless its dialing.skipBlackouts is false. */
const honoured = (r: TaskRow, blackouts: BlackoutRanges): BlackoutRanges => (r.dialing.skipBlackouts === false ? [] : blackouts);

/** The task as the API shows it; `blackouts`: its tenant's calendar, which `nextCallAt` skips. */
export function toView(r: TaskRow, now = new Date(), blackouts: BlackoutRanges = []): Task {
  const final = finalOf(r);
  // running: the next instant it may dial (null: now); scheduled: when its first call would go out
  const next =
    r.status === 'running'
      ? nextWindowOpening(r.dialing.callingWindow, now, r.timezone, honoured(r, blackouts))
      : r.status === 'scheduled'
        ? firstCallAt(r.dialing.callingWindow, r.start_at > now ? r.start_at : now, r.timezone, honoured(r, blackouts))
        : null;
  return {
    id: r.id,
    name: r.name,
    status: r.status,
    recordingId: r.recording_id,
    rosterId: r.roster_id,
    start: { mode: r.start_mode, at: r.start_at.toISOString(), atLocal: toLocalIso(r.start_at, r.timezone) },
    sms: { onDisconnect: r.sms.onDisconnect, onUnanswered: r.sms.onUnanswered, replyRules: r.sms.replyRules ?? [] },
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
    // v1 carries the follow-up rules only (its schema has no reply rules)
    sms: { onDisconnect: r.sms.onDisconnect, onUnanswered: r.sms.onUnanswered },
    dialing: dialingView(r),
    timezone: r.timezone,
    startAt: r.start_at.toISOString(),
  };
}

/** Snapshot v2: v1 with the task's reply rules. */
export function toSnapshotV2(r: TaskRow): TaskSnapshotV2T {
  return { ...toSnapshot(r), sms: { onDisconnect: r.sms.onDisconnect, onUnanswered: r.sms.onUnanswered, replyRules: r.sms.replyRules ?? [] } };
}

/** The public `task.status` event's payload: the task as `GET /v1/tasks/{id}` shows it (its tenant's calendar given, as the API reads it). */
export function statusPayload(r: TaskRow, blackouts: BlackoutRanges = [], now = new Date()): { tenantId: string; task: Task } {
  return { tenantId: r.tenant_id, task: toView(r, now, blackouts) };
}

/** The public `task.progress` event's payload (the stream's; coalesced there). */
export function progressPayload(r: TaskRow): { tenantId: string; taskId: string; status: string; progress: Task['progress'] } {
  return { tenantId: r.tenant_id, taskId: r.id, status: r.status, progress: toView(r).progress };
}
