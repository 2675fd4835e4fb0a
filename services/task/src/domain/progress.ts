import { DialerNumberSettled, DialerTaskDrained, isCallCompleted, SmsFailed, SmsSent, type CallCompletedT, type DialerNumberSettledT, type EventPayload } from '@autocall/contracts';
import type { Outcome } from './task';

type SmsResult = EventPayload<typeof SmsSent>;
type Drained = EventPayload<typeof DialerTaskDrained>;

/** One message of a progress batch (the bus's BatchItem has this shape). */
export interface ProgressMessage {
  contract: unknown;
  payload: unknown;
  ctx: { requestId?: string };
}

/** What one batch of messages does to one task, before any SQL runs. */
export interface TaskFold {
  taskId: string;
  tenantId: string;
  /** one entry per number: its latest final attempt in the batch */
  finals: Map<string, { phone: string; outcome: Outcome; attempt: number }>;
  /** one entry per (number, kind): its latest SMS end state in the batch */
  sms: Map<string, { phone: string; kind: string; status: string }>;
  finalCount?: number;
  /** numbers the dialer never loaded (roster refused by its owner): counted failed */
  unreached?: number;
  /** numbers the dialer never loaded when the task's end time came: counted expired */
  expiredUnloaded?: number;
  requestId?: string;
}

/** A non-final call result changes nothing (a retry follows); every other message counts. */
export const movesProgress = (m: ProgressMessage) => !isCallCompleted(m.contract) || (m.payload as CallCompletedT).final;

/** The key of a task's fold: by task and tenant, so a message naming another tenant than its task's can be told apart. */
export const foldKey = (taskId: string, tenantId: string) => `${taskId}/${tenantId}`;

/**
 * Folds call.completed, dialer.number.settled (a number ended without a call: suppressed, expired),
 * sms.sent|failed and dialer.task.drained messages, in arrival order, into one
 * fold per (task, tenant), as if they were applied one by one: a number's later attempt replaces an
 * earlier one (an equal or older one does not), a (number, kind)'s latest SMS end state counts, the
 * last drained message sets the final count; the request id is the last one given.
 */
export function foldProgress(messages: readonly ProgressMessage[]): Map<string, TaskFold> {
  const folds = new Map<string, TaskFold>();
  const foldOf = (tenantId: string, taskId: string) => {
    let f = folds.get(foldKey(taskId, tenantId));
    if (!f) folds.set(foldKey(taskId, tenantId), (f = { taskId, tenantId, finals: new Map(), sms: new Map() }));
    return f;
  };
  for (const { contract, payload, ctx } of messages) {
    if (isCallCompleted(contract)) {
      const e = payload as CallCompletedT;
      const f = foldOf(e.tenantId, e.taskId);
      const seen = f.finals.get(e.phone);
      if (!seen || e.attempt > seen.attempt) f.finals.set(e.phone, { phone: e.phone, outcome: e.outcome as Outcome, attempt: e.attempt });
      f.requestId = ctx.requestId ?? f.requestId;
    } else if (contract === DialerNumberSettled) {
      const e = payload as DialerNumberSettledT;
      const f = foldOf(e.tenantId, e.taskId);
      const seen = f.finals.get(e.phone);
      if (!seen || e.attempt > seen.attempt) f.finals.set(e.phone, { phone: e.phone, outcome: e.outcome, attempt: e.attempt });
      f.requestId = ctx.requestId ?? f.requestId;
    } else if (contract === SmsSent || contract === SmsFailed) {
      const e = payload as SmsResult;
      const f = foldOf(e.tenantId, e.taskId);
      f.sms.set(`${e.phone}\u0000${e.kind}`, { phone: e.phone, kind: e.kind, status: e.status });
    } else if (contract === DialerTaskDrained) {
      const e = payload as Drained;
      const f = foldOf(e.tenantId, e.taskId);
      f.finalCount = e.finalCount;
      f.unreached = e.unreached ?? 0;
      f.expiredUnloaded = e.expired ?? 0;
      f.requestId = ctx.requestId ?? f.requestId;
    }
  }
  return folds;
}
