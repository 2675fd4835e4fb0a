import type { CreateTask } from '@autocall/contracts';
import type { Static } from '@sinclair/typebox';
import { invalidField, taskErrors } from './errors';
import type { DialingSettings, SmsSettings } from './settings';
import { parseStartAt } from './time';

export type TaskStatus = 'scheduled' | 'running' | 'paused' | 'completed' | 'cancelled';
export type Outcome = 'answered' | 'no_answer' | 'busy' | 'unavailable' | 'invalid_number' | 'failed' | 'suppressed' | 'expired';

/** A task as stored (data/task.repository.ts reads and writes it): what every rule below reads. */
export interface TaskRow {
  id: string;
  tenant_id: string;
  name: string;
  status: TaskStatus;
  recording_id: string;
  recording_duration_ms: number;
  roster_id: string;
  roster_columns: string[];
  total: number;
  start_mode: 'immediate' | 'scheduled';
  start_at: Date;
  timezone: string;
  sms: SmsSettings;
  dialing: DialingSettings;
  answered: number;
  no_answer: number;
  busy: number;
  unavailable: number;
  invalid_number: number;
  failed: number;
  suppressed: number;
  expired: number;
  cancelled: number;
  sms_sent: number;
  sms_failed: number;
  final_count: number | null;
  started_at: Date | null;
  paused_at: Date | null;
  completed_at: Date | null;
  cancelled_at: Date | null;
  /** bigint: the generation the dialer acknowledged for the state this row shows */
  control_generation: string;
  control_holder: string | null;
  control_lease_until: Date | null;
  control_due_at: Date | null;
  control_tries: number;
  created_at: Date;
  updated_at: Date;
}

/** What a create decides; the database fills in the rest (counters at 0, control columns, timestamps). */
export type NewTask = Pick<
  TaskRow,
  'id' | 'tenant_id' | 'name' | 'status' | 'recording_id' | 'recording_duration_ms' | 'roster_id' | 'roster_columns' | 'total' | 'start_mode' | 'start_at' | 'timezone' | 'sms' | 'dialing' | 'started_at'
>;

/** The row a create would insert, held in memory only (a dry run): what the database would fill in, as it would. */
export function draftRow(t: NewTask, now: Date): TaskRow {
  return {
    ...t,
    answered: 0,
    no_answer: 0,
    busy: 0,
    unavailable: 0,
    invalid_number: 0,
    failed: 0,
    suppressed: 0,
    expired: 0,
    cancelled: 0,
    sms_sent: 0,
    sms_failed: 0,
    final_count: null,
    paused_at: null,
    completed_at: null,
    cancelled_at: null,
    control_generation: '0',
    control_holder: null,
    control_lease_until: null,
    control_due_at: null,
    control_tries: 0,
    created_at: now,
    updated_at: now,
  };
}

/** Numbers with a final outcome (cancelled ones are counted apart). */
export const finalOf = (r: TaskRow) => r.answered + r.no_answer + r.busy + r.unavailable + r.invalid_number + r.failed + r.suppressed + r.expired;

/** percent = final numbers / total × 100, rounded to two decimals. */
export const percentOf = (r: TaskRow) => (r.total > 0 ? Math.round((finalOf(r) / r.total) * 10000) / 100 : 0);

/** A completed or cancelled task: it holds no reference and takes no more transitions but delete. */
export const hasEnded = (status: TaskStatus) => status === 'completed' || status === 'cancelled';

/** Pure transition rules (API.md "Status"). `same` = an idempotent repeat: 200, no change. */
export type Transition = { kind: 'same' } | { kind: 'invalid' } | { kind: 'go' };

export function pauseRule(status: TaskStatus): Transition {
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

export function resumeRule(status: TaskStatus): Transition {
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

export function cancelRule(status: TaskStatus): Transition {
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

/**
 * Where a paused task goes on resume: paused before its time and resumed before it too, back to
 * waiting for the scheduler; otherwise running, and `firstStart` when it had never started.
 */
export function resumedState(r: Pick<TaskRow, 'started_at' | 'start_at'>, now: Date): { status: 'scheduled' | 'running'; firstStart: boolean } {
  const waiting = r.started_at === null && r.start_at.getTime() > now.getTime();
  return { status: waiting ? 'scheduled' : 'running', firstStart: !waiting && r.started_at === null };
}

/** A task completes in the transaction where its own counters reach the dialer's final count. */
export function shouldComplete(r: TaskRow): boolean {
  return (r.status === 'running' || r.status === 'paused') && r.final_count !== null && finalOf(r) + r.cancelled >= r.final_count;
}

export type ControlCommand = 'hold' | 'release' | 'cancel';

/** What the dialer must hold for a task in this state; a completed task needs nothing. */
export function desiredCommand(status: TaskStatus): ControlCommand | undefined {
  switch (status) {
    case 'paused':
      return 'hold';
    case 'cancelled':
      return 'cancel';
    case 'running':
    case 'scheduled':
      return 'release';
    case 'completed':
      return undefined;
  }
}

export type StartInput = Static<typeof CreateTask>['start'];

/**
 * A task's start from the request: immediate is now (no `at`); scheduled needs an `at` (wall-clock
 * time in `timezone` unless it has an offset) after `now`, else 422 SCHEDULE_IN_PAST.
 */
export function startFrom(start: StartInput, now: Date, timezone: string): { mode: 'immediate' | 'scheduled'; at: Date } {
  if (start.mode === 'immediate') {
    if (start.at !== undefined) throw invalidField('start.at', 'must not be given for an immediate start');
    return { mode: 'immediate', at: now };
  }
  if (start.at === undefined) throw invalidField('start.at', 'is required for a scheduled start');
  const at = parseStartAt(start.at, timezone);
  if (at.getTime() <= now.getTime()) throw taskErrors.SCHEDULE_IN_PAST();
  return { mode: 'scheduled', at };
}

/** Which fields a PATCH may change in the task's state: `start` only before it starts; `sms` and `dialing` until it ends. 409 otherwise. */
export function assertEditable(r: Pick<TaskRow, 'status' | 'started_at'>, change: { start: boolean; settings: boolean }): void {
  const notStarted = r.started_at === null && (r.status === 'scheduled' || r.status === 'paused');
  if (change.start && !notStarted) throw taskErrors.TASK_NOT_EDITABLE('start can change only before the task starts.');
  if (change.settings && hasEnded(r.status)) throw taskErrors.TASK_NOT_EDITABLE('sms and dialing cannot change once the task is completed or cancelled.');
}
