import type { Blackout, CalendarView } from '@autocall/contracts';
import type { CalendarRepository } from '../data/calendar.repository';
import { blackoutRanges, blackoutView, type BlackoutRange } from '../domain/calendar';

const view = (c: { blackouts: BlackoutRange[]; updatedAt: Date | null }): CalendarView => ({ blackouts: c.blackouts.map(blackoutView), updatedAt: c.updatedAt?.toISOString() ?? null });

/** The tenant's blackout dates: read, and replaced whole (checked first; 400 changes nothing). */
export class TenantCalendar {
  constructor(private readonly repo: CalendarRepository) {}

  async get(tenantId: string): Promise<CalendarView> {
    return view(await this.repo.get(tenantId));
  }

  async put(tenantId: string, blackouts: readonly Blackout[], requestId?: string): Promise<CalendarView> {
    return view(await this.repo.put(tenantId, blackoutRanges(blackouts), requestId));
  }
}
