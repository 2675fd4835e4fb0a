import { CalendarUpdated } from '@autocall/contracts';
import { on, type Bus } from '@autocall/bus';
import type { TenantCalendars } from '../usecases/calendars';

/** calendar.updated → the tenant's blackout dates kept for nextCallAt. */
export async function calendarConsumer(bus: Bus, calendars: TenantCalendars) {
  await bus.subscribe('task.calendar', [on(CalendarUpdated, (e) => calendars.store(e))], { maxRetries: 10, retryBaseMs: 1000 });
}
