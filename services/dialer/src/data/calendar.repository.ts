import type { DataSource, EntityManager } from 'typeorm';
import { publishInTransaction } from '@autocall/bus';
import { CalendarUpdated } from '@autocall/contracts';
import type { BlackoutRange } from '../domain/calendar';

const dateText = (d: Date | string) => (typeof d === 'string' ? d.slice(0, 10) : d.toISOString().slice(0, 10));

/** The tenant's blackout dates (dialer schema); replaced whole, published as calendar.updated. */
export class CalendarRepository {
  constructor(private readonly db: DataSource) {}

  async get(tenantId: string): Promise<{ blackouts: BlackoutRange[]; updatedAt: Date | null }> {
    const [cal] = (await this.db.query(`SELECT updated_at FROM calendars WHERE tenant_id = $1`, [tenantId])) as { updated_at: Date }[];
    if (!cal) return { blackouts: [], updatedAt: null };
    return { blackouts: await CalendarRepository.ranges(this.db.manager, tenantId), updatedAt: cal.updated_at };
  }

  /** The tenant's blackouts in the order they were given. */
  static async ranges(m: Pick<EntityManager, 'query'>, tenantId: string): Promise<BlackoutRange[]> {
    const rows = (await m.query(`SELECT from_date::text AS from_date, to_date::text AS to_date, single, name FROM blackouts WHERE tenant_id = $1 ORDER BY position`, [tenantId])) as {
      from_date: string;
      to_date: string;
      single: boolean;
      name: string;
    }[];
    return rows.map((r) => ({ from: dateText(r.from_date), to: dateText(r.to_date), single: r.single, name: r.name }));
  }

  /** Replaces the calendar and writes its calendar.updated to the outbox, in one transaction. */
  async put(tenantId: string, blackouts: readonly BlackoutRange[], requestId?: string): Promise<{ blackouts: BlackoutRange[]; updatedAt: Date }> {
    return this.db.transaction(async (m) => {
      const [cal] = (await m.query(
        `INSERT INTO calendars (tenant_id) VALUES ($1) ON CONFLICT (tenant_id) DO UPDATE SET updated_at = GREATEST(clock_timestamp(), calendars.updated_at + interval '1 microsecond') RETURNING updated_at`,
        [tenantId],
      )) as { updated_at: Date }[];
      await m.query(`DELETE FROM blackouts WHERE tenant_id = $1`, [tenantId]);
      if (blackouts.length > 0) {
        await m.query(
          `INSERT INTO blackouts (tenant_id, position, from_date, to_date, single, name)
           SELECT $1, b.position, b.from_date, b.to_date, b.single, b.name
             FROM unnest($2::int[], $3::date[], $4::date[], $5::bool[], $6::text[]) AS b(position, from_date, to_date, single, name)`,
          [tenantId, blackouts.map((_, i) => i), blackouts.map((b) => b.from), blackouts.map((b) => b.to), blackouts.map((b) => b.single), blackouts.map((b) => b.name)],
        );
      }
      await publishInTransaction(m, CalendarUpdated, { tenantId, blackouts: blackouts.map((b) => ({ from: b.from, to: b.to, name: b.name })), updatedAt: cal.updated_at.toISOString() }, { requestId });
      return { blackouts: [...blackouts], updatedAt: cal.updated_at };
    });
  }
}
