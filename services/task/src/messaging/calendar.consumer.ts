import { CalendarUpdated } from '@autocall/contracts';
import { on, type Bus } from '@autocall/bus';
import type { DataSource } from 'typeorm';
import { taskRepository as repo } from '../data/task.repository';

/** calendar.updated → the tenant's blackout dates kept here for nextCallAt (the newest by updatedAt wins; a redelivery changes nothing). */
export async function calendarConsumer(bus: Bus, db: DataSource) {
  await bus.subscribe('task.calendar', [on(CalendarUpdated, (e) => repo.storeCalendar(db.manager, e.tenantId, e.blackouts, e.updatedAt))], { maxRetries: 10, retryBaseMs: 1000 });
}
