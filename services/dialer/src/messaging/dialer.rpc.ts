import type { Bus } from '@autocall/bus';
import { DialerTaskCancel, DialerTaskHold, DialerTaskRelease } from '@autocall/contracts';
import type { TaskRepository } from '../data/task.repository';
import type { DialerEngine } from '../domain/dialer.engine';
import { dialerErrors } from '../domain/errors';

/** Pause, resume and cancel, synchronous with the task service (ARCHITECTURE.md). */
export async function dialerResponders(bus: Bus, tasks: TaskRepository, engine: DialerEngine, nudgeOutbox: () => void) {
  await bus.respond(DialerTaskHold, async (q) => {
    if (!(await tasks.setHeld(q.tenantId, q.taskId, true))) throw dialerErrors.TASK_NOT_FOUND();
    return { ok: true };
  });
  await bus.respond(DialerTaskRelease, async (q) => {
    if (!(await tasks.setHeld(q.tenantId, q.taskId, false))) throw dialerErrors.TASK_NOT_FOUND();
    engine.nudge();
    return { ok: true };
  });
  await bus.respond(DialerTaskCancel, async (q) => {
    const cancelled = await tasks.cancel(q.tenantId, q.taskId, q.total);
    if (cancelled === undefined) throw dialerErrors.TASK_NOT_FOUND();
    await engine.checkDrained([q.taskId]);
    nudgeOutbox();
    return { ok: true, cancelled };
  });
}
