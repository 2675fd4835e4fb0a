import type { TaskRepository } from '../data/task.repository';
import { dialerErrors } from '../domain/errors';
import type { ControlCommand, ControlState } from '../domain/task-control';
import type { DialerEngine } from './dialer';

/**
 * Applies a hold, release or cancel of a task (TaskRepository.control says when it applies) and
 * what follows an applied one: a release lets the claim loop look now; a cancel announces the task
 * if nothing is left in flight. TASK_NOT_FOUND when the task is another tenant's.
 */
export class TaskControl {
  constructor(
    private readonly tasks: TaskRepository,
    private readonly engine: DialerEngine,
    private readonly nudgeOutbox: () => void,
  ) {}

  async apply(tenantId: string, taskId: string, c: ControlCommand): Promise<ControlState> {
    const state = await this.tasks.control(tenantId, taskId, c);
    if (!state) throw dialerErrors.TASK_NOT_FOUND();
    if (state.applied && c.kind === 'release') this.engine.nudge();
    if (state.applied && c.kind === 'cancel') {
      await this.engine.checkDrained([taskId]);
      this.nudgeOutbox();
    }
    return state;
  }
}
