import type { DataSource } from 'typeorm';
import type { CalendarUpdatedT } from '@autocall/contracts';
import { taskRepository as repo } from '../data/task.repository';

/** The tenants' blackout dates kept here (a copy of the dialer's), which nextCallAt skips. */
export class TenantCalendars {
  constructor(private readonly db: DataSource) {}

  /** Stores a calendar.updated; an older one (by updatedAt) than the one kept changes nothing, so a redelivery or reorder is harmless. */
  async store(e: CalendarUpdatedT): Promise<void> {
    await repo.storeCalendar(this.db.manager, e.tenantId, e.blackouts, e.updatedAt);
  }
}
