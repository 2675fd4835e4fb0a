import type { DataSource, QueryRunner } from 'typeorm';
import { TenantLimitsUpdated, TenantStorageRelease, TenantStorageReserve, type TenantLimitsUpdatedT } from '@autocall/contracts';
import type { Logger } from '@autocall/logger';
import { on, type Bus } from './bus';

/**
 * The table a service that stores uploads keeps the tenants' storageBytes in (a copy from
 * tenant.limits-updated, the highest version kept). Its migration calls this.
 */
export async function createTenantStorageLimits(qr: QueryRunner): Promise<void> {
  await qr.query(`
    CREATE TABLE IF NOT EXISTS tenant_storage_limits (
      tenant_id uuid PRIMARY KEY,
      storage_bytes bigint,
      version bigint NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
}

/**
 * A tenant's storage (API.md `storageBytes`) as the recording and roster services use it: they
 * reserve an upload's bytes through the gateway's `tenant.storage.reserve` before storing it, and
 * give them back (`tenant.storage.release`) when the upload fails or is deleted. Only tenants the
 * gateway has published limits for are asked about: for a tenant that never had a storage limit
 * nothing is reserved (so what it stored before its first limit is not counted, see README).
 */
export class TenantStorage {
  constructor(
    private readonly db: DataSource,
    private readonly bus: Bus,
    private readonly logger: Logger,
    private readonly opts: { queue: string; rpcTimeoutMs?: number },
  ) {}

  /** Consumes tenant.limits-updated into tenant_storage_limits. */
  async subscribe(): Promise<void> {
    await this.bus.subscribe(this.opts.queue, [on(TenantLimitsUpdated, (e) => this.store(e))], { maxRetries: 10, retryBaseMs: 1000 });
  }

  async store(e: TenantLimitsUpdatedT): Promise<void> {
    await this.db.query(
      `INSERT INTO tenant_storage_limits (tenant_id, storage_bytes, version) VALUES ($1, $2, $3)
       ON CONFLICT (tenant_id) DO UPDATE SET storage_bytes = EXCLUDED.storage_bytes, version = EXCLUDED.version, updated_at = now()
        WHERE tenant_storage_limits.version < EXCLUDED.version`,
      [e.tenantId, e.limits.storageBytes, e.version],
    );
  }

  /** Whether the gateway has ever published limits for the tenant, and its storage limit (null: none). */
  private async known(tenantId: string): Promise<{ limit: number | null } | undefined> {
    const [row] = (await this.db.query(`SELECT storage_bytes FROM tenant_storage_limits WHERE tenant_id = $1`, [tenantId])) as { storage_bytes: string | null }[];
    return row ? { limit: row.storage_bytes === null ? null : Number(row.storage_bytes) } : undefined;
  }

  /**
   * Reserves `bytes` under `key` when the tenant has a storage limit; the gateway's refusal is the
   * AppError TENANT_STORAGE_FULL (413), a silent gateway an RpcTimeoutError (503). Returns whether
   * something was reserved (then release it if the upload is not stored after all).
   */
  async reserve(tenantId: string, key: string, bytes: number, requestId?: string): Promise<boolean> {
    const known = await this.known(tenantId);
    if (!known || known.limit === null) return false;
    await this.bus.request(TenantStorageReserve, { tenantId, key, bytes }, { timeoutMs: this.opts.rpcTimeoutMs, requestId });
    return true;
  }

  /**
   * Gives the reservation under `key` back, for a tenant the gateway has published limits for (a
   * reservation may date from a limit since lifted). Best effort: a failure is logged and leaves the
   * bytes counted, never uncounted.
   */
  async release(tenantId: string, key: string, requestId?: string): Promise<void> {
    try {
      if (!(await this.known(tenantId))) return;
      await this.bus.request(TenantStorageRelease, { tenantId, key }, { timeoutMs: this.opts.rpcTimeoutMs, requestId });
    } catch (err) {
      this.logger.warn({ err: (err as Error).message, tenantId, key }, 'tenant storage not released; it stays counted');
    }
  }
}
