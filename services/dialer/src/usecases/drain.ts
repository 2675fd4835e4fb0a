import type { Logger } from '@autocall/logger';
import type { TaskRepository } from '../data/task.repository';

/** Announces (dialer.task.drained) those of `taskIds` with nothing left queued or dialing; never throws. */
export type DrainCheck = (taskIds: string[]) => Promise<void>;

/** A failed check is only logged: the sweeper looks at every idle task again on its next turn. */
export function drainCheck(tasks: TaskRepository, nudgeOutbox: () => void, log: Logger): DrainCheck {
  return async (taskIds) => {
    try {
      if ((await tasks.drainIfDone(taskIds)) > 0) nudgeOutbox();
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'drain check failed; the sweep retries');
    }
  };
}

/** What the use cases that settle attempts and then look for drained tasks share. */
export interface SettlingDeps {
  tasks: TaskRepository;
  drain: DrainCheck;
  nudgeOutbox: () => void;
  logger: Logger;
}
