import { Type } from '@sinclair/typebox';
import { defineRpc, Uuid } from '../core';

const TaskRef = Type.Object({ tenantId: Uuid, taskId: Uuid });

/**
 * Pause: the dialer commits a hold its claim statement checks; once this answers, no dialer
 * replica claims a new attempt of the task. Idempotent.
 */
export const DialerTaskHold = defineRpc('dialer.task.hold', 1, TaskRef, Type.Object({ ok: Type.Boolean() }));
/** Resume: lifts the hold. Idempotent. */
export const DialerTaskRelease = defineRpc('dialer.task.release', 1, TaskRef, Type.Object({ ok: Type.Boolean() }));
/**
 * Cancel: holds the task for good and turns every number not yet final into `cancelled` (no
 * call, no SMS). `cancelled` is how many numbers that made, counting ones not yet loaded from the
 * roster (total − final − in flight). Idempotent: a repeat answers the same count.
 */
export const DialerTaskCancel = defineRpc('dialer.task.cancel', 1, Type.Object({ tenantId: Uuid, taskId: Uuid, total: Type.Integer() }), Type.Object({ ok: Type.Boolean(), cancelled: Type.Integer() }));
