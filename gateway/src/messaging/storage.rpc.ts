import { TenantStorageRelease, TenantStorageReserve } from '@autocall/contracts';
import type { Bus } from '@autocall/bus';
import type { TenantService } from '../usecases/tenant.service';

/** `tenant.storage.reserve`/`release`: the recording and roster services reserve a tenant's storage here before storing an upload. */
export async function storageResponders(bus: Bus, tenants: TenantService) {
  await bus.respond(TenantStorageReserve, (q) => tenants.reserveStorage(q.tenantId, q.key, q.bytes));
  await bus.respond(TenantStorageRelease, (q) => tenants.releaseStorage(q.tenantId, q.key));
}
