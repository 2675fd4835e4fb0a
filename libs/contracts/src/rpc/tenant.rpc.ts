import { Type } from '@sinclair/typebox';
import { defineRpc, Uuid } from '../core';

/**
 * Storage across a tenant's recordings and rosters (API.md `storageBytes`), kept by the gateway.
 * Reserve before storing an upload: answers `ok: true` and holds `bytes` under `key` (e.g.
 * `recording:<id>`), or the error TENANT_STORAGE_FULL (413) when the tenant's limit would be passed.
 * Idempotent by key: a repeat answers as the first did and reserves nothing more. The reservation
 * is checked and taken in one statement, so two replicas uploading at once cannot both pass the limit.
 */
export const TenantStorageReserve = defineRpc(
  'tenant.storage.reserve',
  1,
  Type.Object({ tenantId: Uuid, key: Type.String({ minLength: 1, maxLength: 200 }), bytes: Type.Integer({ minimum: 0 }) }),
  Type.Object({ ok: Type.Boolean(), usedBytes: Type.Integer(), limitBytes: Type.Union([Type.Integer(), Type.Null()]) }),
);
/** Gives a reservation back (the upload failed, or the recording/roster was deleted). Idempotent; an unknown key is ok. */
export const TenantStorageRelease = defineRpc(
  'tenant.storage.release',
  1,
  Type.Object({ tenantId: Uuid, key: Type.String({ minLength: 1, maxLength: 200 }) }),
  Type.Object({ ok: Type.Boolean() }),
);
