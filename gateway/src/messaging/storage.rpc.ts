import { RecordingDeleted, RosterDeleted, TenantStorageRelease, TenantStorageReserve } from '@autocall/contracts';
import { on, type Bus } from '@autocall/bus';
import type { TenantService } from '../usecases/tenant.service';

export const STORAGE_RELEASE_QUEUE = 'gateway.storage-release';

/**
 * `tenant.storage.reserve`/`release`: the recording and roster services reserve a tenant's storage
 * here before storing an upload (and release it when storing failed). A deleted recording or roster
 * gives its bytes back from its `*.deleted` event (outbox-published by its owner, so never lost).
 */
export async function storageResponders(bus: Bus, tenants: TenantService) {
  await bus.respond(TenantStorageReserve, (q) => tenants.reserveStorage(q.tenantId, q.key, q.bytes));
  await bus.respond(TenantStorageRelease, (q) => tenants.releaseStorage(q.tenantId, q.key));
  await bus.subscribe(
    STORAGE_RELEASE_QUEUE,
    [
      on(RecordingDeleted, async (e) => void (await tenants.releaseStorage(e.tenantId, `recording:${e.recordingId}`))),
      on(RosterDeleted, async (e) => void (await tenants.releaseStorage(e.tenantId, `roster:${e.rosterId}`))),
    ],
    { maxRetries: 10, retryBaseMs: 1000 },
  );
}
