import type { Bus } from '@autocall/bus';
import { DialerTaskCancel, DialerTaskCancelV2, DialerTaskHold, DialerTaskHoldV2, DialerTaskRelease, DialerTaskReleaseV2 } from '@autocall/contracts';
import type { ControlCommand, ControlState, TaskRepository } from '../data/task.repository';
import type { DialerEngine } from '../domain/dialer.engine';
import { dialerErrors } from '../domain/errors';

/** Pause, resume and cancel, synchronous with the task service (ARCHITECTURE.md). */
export async function dialerResponders(bus: Bus, tasks: TaskRepository, engine: DialerEngine, nudgeOutbox: () => void) {
  const apply = async (tenantId: string, taskId: string, c: ControlCommand): Promise<ControlState> => {
    const state = await tasks.control(tenantId, taskId, c);
    if (!state) throw dialerErrors.TASK_NOT_FOUND();
    if (state.applied && c.kind === 'release') engine.nudge();
    if (state.applied && c.kind === 'cancel') {
      await engine.checkDrained([taskId]);
      nudgeOutbox();
    }
    return state;
  };
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
    const state = await v1(q.tenantId, q.taskId, { kind: 'cancel', generation: null, deadline: null, total: q.total });
    return { ok: true, cancelled: state.cancelledCount ?? 0 };
  });
}
