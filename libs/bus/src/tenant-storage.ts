import { TenantStorageRelease, TenantStorageReserve, type TenantLimits } from '@autocall/contracts';
import type { Logger } from '@autocall/logger';
import type { Bus } from './bus';
import type { TenantLimitsCopy } from './tenant-limits';

/**
 * A tenant's storage (API.md `storageBytes`) as the recording and roster services use it: they
 * reserve an upload's bytes through the gateway's `tenant.storage.reserve` before storing it, and
 * give them back (`tenant.storage.release`) when the upload fails or is deleted. Only tenants the
 * gateway has published limits for are asked about: for a tenant that never had a storage limit
 * nothing is reserved; when a tenant's storage limit is set or changed, what it stores already is
 * reserved then (`backfillOnLimit`).
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
   * The tenant's storage limit was set or changed: reserves, one by one, what it stores already
   * (`stored.list`: each upload's key and bytes), so what it stored while it had no limit counts
   * too. Idempotent by key: what was reserved before is not counted twice. One that does not fit
   * stays uncounted (the tenant is at its limit all the same; a later change tries it again). An
   * item deleted meanwhile (`stored.exists` says no after its reserve) is released again, so a delete
   * racing the backfill leaves nothing counted. Runs in the background: a failure is logged and the
   * items not reached stay uncounted until the next change.
   */
  backfillOnLimit(stored: { list: (tenantId: string) => Promise<{ key: string; bytes: number }[]>; exists: (tenantId: string, key: string) => Promise<boolean> }) {
    return async (tenantId: string, _before: TenantLimits | undefined, after: TenantLimits): Promise<void> => {
      if (after.storageBytes === null) return;
      void (async () => {
        let counted = 0;
        let full = 0;
        for (const item of await stored.list(tenantId)) {
          const ok = await this.bus
            .request(TenantStorageReserve, { tenantId, key: item.key, bytes: item.bytes }, { timeoutMs: this.opts.rpcTimeoutMs })
            .then(() => true)
            .catch((err: unknown) => {
              if ((err as { code?: string }).code !== 'TENANT_STORAGE_FULL') throw err;
              return false;
            });
          if (ok && !(await stored.exists(tenantId, item.key))) await this.release(tenantId, item.key);
          if (ok) counted++;
          else full++;
        }
        this.logger.info({ tenantId, counted, full }, 'stored uploads reserved against the storage limit');
      })().catch((err: unknown) => this.logger.warn({ err: (err as Error).message, tenantId }, 'storage backfill stopped; the next limit change tries again'));
    };
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
