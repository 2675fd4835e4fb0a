import { handleOnce } from '@autocall/bus';
import type { TaskSnapshotT } from '@autocall/contracts';
import type { DataSource } from 'typeorm';
import type { TaskRepository } from '../data/task.repository';
import type { DialerEngine } from './dialer';

/** The dialer's copy of each task (tenant, roster, limits) from task.* events, each message applied once. */
export class TaskSnapshots {
  constructor(
    private readonly db: DataSource,
    private readonly tasks: TaskRepository,
    private readonly engine: DialerEngine,
  ) {}

  /** A snapshot (the newest wins); a started or running task has its roster loaded and its attempts looked for now. */
  async apply(consumer: string, messageId: string, s: TaskSnapshotT, started: boolean, occurredAt?: string): Promise<void> {
    await handleOnce(this.db, consumer, messageId, (m) => this.tasks.applySnapshot(m, s, started, occurredAt));
    if (started || s.status === 'running') {
      this.engine.nudgeLoader();
      this.engine.nudge();
    }
  }

  async delete(consumer: string, messageId: string, tenantId: string, taskId: string): Promise<void> {
    await handleOnce(this.db, consumer, messageId, (m) => this.tasks.markDeleted(m, tenantId, taskId));
  }
}
