import type { Bus } from '@autocall/bus';
import { DialerTaskCancel, DialerTaskCancelV2, DialerTaskHold, DialerTaskHoldV2, DialerTaskRelease, DialerTaskReleaseV2 } from '@autocall/contracts';
import { dialerErrors } from '../domain/errors';
import type { ControlCommand } from '../domain/task-control';
import type { TaskControl } from '../usecases/task-control';

/**
 * Pause, resume and cancel, synchronous with the task service (ARCHITECTURE.md).
 *
 * Contract notes:
 * - Deploy order: dialers before task services. A dialer of this version answers both the v2
 *   (versioned) RPCs and v1; a task service of this version sends only v2, which an older dialer
 *   does not answer (every transition would time out, 503, until the dialers are upgraded).
 * - Shared clock: a v2 order's `deadline` is epoch ms read from the task service's database clock
 *   and compared here with the dialer's database clock (clock_timestamp()). Both must agree to well
 *   under the RPC timeout (the same PostgreSQL server, or NTP-synced hosts): a dialer clock that runs
 *   ahead refuses orders sent in time (`expired`, retried by the reconciler); one that runs behind
 *   lets a late handler apply an order its caller has already answered 503 for — the generation
 *   still keeps a newer order from being undone, and the reconciler re-sends what the API shows.
 */
export async function dialerResponders(bus: Bus, control: TaskControl) {
  const apply = (tenantId: string, taskId: string, c: ControlCommand) => control.apply(tenantId, taskId, c);
  // v2: versioned; the answer says what the dialer holds, applied or not
  await bus.respond(DialerTaskHoldV2, (q) => apply(q.tenantId, q.taskId, { kind: 'hold', generation: q.generation, deadline: q.deadline }));
  await bus.respond(DialerTaskReleaseV2, (q) => apply(q.tenantId, q.taskId, { kind: 'release', generation: q.generation, deadline: q.deadline }));
  await bus.respond(DialerTaskCancelV2, (q) => apply(q.tenantId, q.taskId, { kind: 'cancel', generation: q.generation, deadline: q.deadline, total: q.total }));
  // v1 (a task service of before versioned control): only for tasks no v2 command has reached
  const v1 = async (tenantId: string, taskId: string, c: ControlCommand) => {
    const state = await apply(tenantId, taskId, c);
    if (!state.applied) throw dialerErrors.CONTROL_SUPERSEDED();
    return state;
  };
  await bus.respond(DialerTaskHold, async (q) => {
    await v1(q.tenantId, q.taskId, { kind: 'hold', generation: null, deadline: null });
    return { ok: true };
  });
  await bus.respond(DialerTaskRelease, async (q) => {
    await v1(q.tenantId, q.taskId, { kind: 'release', generation: null, deadline: null });
    return { ok: true };
  });
  await bus.respond(DialerTaskCancel, async (q) => {
    // a task a v2 order has cancelled already: the v1 cancel's wish holds, so it is answered as done
    const state = await apply(q.tenantId, q.taskId, { kind: 'cancel', generation: null, deadline: null, total: q.total });
    if (!state.applied && !state.cancelled) throw dialerErrors.CONTROL_SUPERSEDED();
    return { ok: true, cancelled: state.cancelledCount ?? 0 };
  });
}
