import { Type } from '@sinclair/typebox';
import { defineRpc, Uuid } from '../core';

const TaskRef = Type.Object({ tenantId: Uuid, taskId: Uuid });

/**
 * Pause: the dialer commits a hold its claim statement checks; once this answers, no dialer
 * replica claims a new attempt of the task. Idempotent.
 * v1 carries no generation: the dialer applies it only to a task no versioned (v2) command has reached.
 */
export const DialerTaskHold = defineRpc('dialer.task.hold', 1, TaskRef, Type.Object({ ok: Type.Boolean() }));
/** Resume: lifts the hold. Idempotent. v1: as DialerTaskHold v1. */
export const DialerTaskRelease = defineRpc('dialer.task.release', 1, TaskRef, Type.Object({ ok: Type.Boolean() }));
/**
 * Cancel: holds the task for good and turns every number not yet final into `cancelled` (no
 * call, no SMS). `cancelled` is how many numbers that made, counting ones not yet loaded from the
 * roster (total − final − in flight). Idempotent: a repeat answers the same count.
 * v1: as DialerTaskHold v1.
 */
export const DialerTaskCancel = defineRpc('dialer.task.cancel', 1, Type.Object({ tenantId: Uuid, taskId: Uuid, total: Type.Integer() }), Type.Object({ ok: Type.Boolean(), cancelled: Type.Integer() }));

/**
 * Versioned control (ARCHITECTURE.md "Task control is versioned"): every command carries the task
 * service's control generation (from a sequence that never goes back) and a deadline. The dialer
 * applies a command only if its generation is higher than the one it holds for the task, and only
 * if its handler gets there before the deadline; otherwise it changes nothing.
 */
const Control = {
  tenantId: Uuid,
  taskId: Uuid,
  generation: Type.Integer({ minimum: 1 }),
  /** Epoch milliseconds (the task service's database clock) after which the command must do nothing. */
  deadline: Type.Number(),
};

/** What the dialer holds for the task after the command, applied or not. */
export const ControlAnswer = Type.Object({
  applied: Type.Boolean(),
  /** Why not applied: the dialer already holds this generation or a newer one; or the deadline had passed. */
  reason: Type.Optional(Type.Union([Type.Literal('stale'), Type.Literal('expired')])),
  /** The generation the dialer holds now. */
  generation: Type.Integer({ minimum: 0 }),
  /** The task is cancelled in the dialer (for good: a later hold or release cannot lift it). */
  cancelled: Type.Boolean(),
  /** Numbers its cancel made `cancelled` (null while not cancelled). */
  cancelledCount: Type.Union([Type.Integer(), Type.Null()]),
});

export const DialerTaskHoldV2 = defineRpc('dialer.task.hold', 2, Type.Object(Control), ControlAnswer);
export const DialerTaskReleaseV2 = defineRpc('dialer.task.release', 2, Type.Object(Control), ControlAnswer);
export const DialerTaskCancelV2 = defineRpc('dialer.task.cancel', 2, Type.Object({ ...Control, total: Type.Integer({ minimum: 0 }) }), ControlAnswer);
