import type { EntityManager } from 'typeorm';
import type { TenantLimitsUpdatedT } from '@autocall/contracts';

/** The tenant limits the dialer enforces (maxConcurrentCalls, callsPerSecond), from tenant.limits-updated. */
export class TenantLimitsRepository {
  /**
   * Keeps the limits of the highest `version` (a late or repeated message changes nothing); a new
   * callsPerSecond starts with a full bucket of at most one second's calls.
   */
  static async apply(m: EntityManager, e: TenantLimitsUpdatedT): Promise<void> {
    await m.query(
      `INSERT INTO tenant_limits (tenant_id, version, max_concurrent, cps, tokens, updated_at)
       VALUES ($1, $2, $3, $4, CASE WHEN $4::float8 > 0 THEN GREATEST($4::float8, 1) ELSE 0 END, $5)
       ON CONFLICT (tenant_id) DO UPDATE SET version = EXCLUDED.version, max_concurrent = EXCLUDED.max_concurrent, cps = EXCLUDED.cps,
              tokens = LEAST(tenant_limits.tokens, EXCLUDED.tokens), updated_at = EXCLUDED.updated_at
        WHERE tenant_limits.version < EXCLUDED.version`,
      [e.tenantId, e.version, e.limits.maxConcurrentCalls, e.limits.callsPerSecond, e.updatedAt],
    );
  }
}
