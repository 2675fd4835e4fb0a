import { TenantStorageRelease, TenantStorageReserve } from '@autocall/contracts';
import type { Logger } from '@autocall/logger';
import type { Bus } from './bus';
import type { TenantLimitsCopy } from './tenant-limits';

/**
 * A tenant's storage (API.md `storageBytes`) as the recording and roster services use it: they
 * reserve an upload's bytes through the gateway's `tenant.storage.reserve` before storing it, and
 * give them back (`tenant.storage.release`) when the upload fails or is deleted. Only tenants the
 * gateway has published limits for are asked about: for a tenant that never had a storage limit
 * nothing is reserved (so what it stored before its first limit is not counted, see README).
 */
export class TenantStorage {
  constructor(
    /** The service's copy of the tenants' limits (its consumer is the service's to subscribe). */
    private readonly limits: TenantLimitsCopy,
    private readonly bus: Bus,
    private readonly logger: Logger,
    private readonly opts: { rpcTimeoutMs?: number } = {},
  ) {}

  /**
   * Reserves `bytes` under `key` when the tenant has a storage limit; the gateway's refusal is the
   * AppError TENANT_STORAGE_FULL (413), a silent gateway an RpcTimeoutError (503). Returns whether
   * something was reserved (then release it if the upload is not stored after all).
   */
  async reserve(tenantId: string, key: string, bytes: number, requestId?: string): Promise<boolean> {
    const limits = await this.limits.get(tenantId);
    if (!limits || limits.storageBytes === null) return false;
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
      if (!(await this.limits.get(tenantId))) return;
      await this.bus.request(TenantStorageRelease, { tenantId, key }, { timeoutMs: this.opts.rpcTimeoutMs, requestId });
    } catch (err) {
      this.logger.warn({ err: (err as Error).message, tenantId, key }, 'tenant storage not released; it stays counted');
    }
  }
}
