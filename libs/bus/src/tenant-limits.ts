import type { DataSource, QueryRunner } from 'typeorm';
import { TenantLimitsUpdated, type TenantLimits, type TenantLimitsUpdatedT } from '@autocall/contracts';
import { on, type Bus } from './bus';

/**
 * The table in which a service keeps its copy of the tenants' limits (`tenant.limits-updated`,
 * ARCHITECTURE.md): the whole limits object and the gateway's version of it. Its migration calls this.
 */
export async function createTenantLimitsCopy(qr: QueryRunner): Promise<void> {
  await qr.query(`
    CREATE TABLE IF NOT EXISTS tenant_limits (
      tenant_id uuid PRIMARY KEY,
      limits jsonb NOT NULL,
      version bigint NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
}

/**
 * A service's copy of the tenants' limits, kept from `tenant.limits-updated`: the highest version
 * wins, so a late or redelivered message never undoes a newer one. SQL of the service may read a
 * limit straight from the row (`(limits->>'maxActiveTasks')::int`, NULL for no limit) and lock it.
 */
export class TenantLimitsCopy {
  constructor(private readonly db: DataSource) {}

  /**
   * Consumes tenant.limits-updated on the service's own queue; `onChange` learns of each change kept
   * (the limits before, undefined for a tenant seen for the first time, and after).
   */
  async subscribe(bus: Bus, queue: string, onChange?: (tenantId: string, before: TenantLimits | undefined, after: TenantLimits) => Promise<void>): Promise<void> {
    await bus.subscribe(
      queue,
      [
        on(TenantLimitsUpdated, async (e) => {
          const r = await this.store(e);
          if (r.kept && onChange) await onChange(e.tenantId, r.before, e.limits);
        }),
      ],
      { maxRetries: 10, retryBaseMs: 1000 },
    );
  }

  /** Keeps the event's limits unless a higher or equal version is kept already: whether it was kept, and the limits it replaced. */
  async store(e: TenantLimitsUpdatedT): Promise<{ kept: boolean; before?: TenantLimits }> {
    return this.db.transaction(async (m) => {
      const [prev] = (await m.query(`SELECT limits, version::int AS version FROM tenant_limits WHERE tenant_id = $1 FOR UPDATE`, [e.tenantId])) as { limits: TenantLimits; version: number }[];
      if (prev && prev.version >= e.version) return { kept: false };
      await m.query(
        `INSERT INTO tenant_limits (tenant_id, limits, version) VALUES ($1, $2, $3)
         ON CONFLICT (tenant_id) DO UPDATE SET limits = EXCLUDED.limits, version = EXCLUDED.version, updated_at = now()
          WHERE tenant_limits.version < EXCLUDED.version`,
        [e.tenantId, JSON.stringify(e.limits), e.version],
      );
      return { kept: true, before: prev?.limits };
    });
  }

  /** The tenant's limits as last kept, or undefined when the gateway never published any for it. */
  async get(tenantId: string): Promise<TenantLimits | undefined> {
    const [row] = (await this.db.query(`SELECT limits FROM tenant_limits WHERE tenant_id = $1`, [tenantId])) as { limits: TenantLimits }[];
    return row?.limits;
  }
}
