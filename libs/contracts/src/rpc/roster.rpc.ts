import { Type } from '@sinclair/typebox';
import { defineRpc, Nullable, Uuid } from '../core';

export const RosterCounts = Type.Object({ totalRows: Type.Integer(), valid: Type.Integer(), invalid: Type.Integer(), duplicate: Type.Integer() });

/** For the task service: status, counts and the columns (template variables are checked against them). */
export const RosterGet = defineRpc(
  'roster.get',
  1,
  Type.Object({ tenantId: Uuid, rosterId: Uuid }),
  Type.Object({ found: Type.Boolean(), status: Type.Optional(Type.String()), counts: Type.Optional(RosterCounts), columns: Type.Optional(Type.Array(Type.String())), name: Type.Optional(Type.String()) }),
);

/** Records that a task uses the roster; checked in the delete transaction. 422 ROSTER_NOT_FOUND if not the tenant's. Idempotent. */
export const RosterReserve = defineRpc('roster.reserve', 1, Type.Object({ tenantId: Uuid, rosterId: Uuid, taskId: Uuid }), Type.Object({ ok: Type.Boolean() }));
export const RosterRelease = defineRpc('roster.release', 1, Type.Object({ tenantId: Uuid, taskId: Uuid }), Type.Object({ ok: Type.Boolean() }));

export const RosterEntry = Type.Object({
  rowNumber: Type.Integer(),
  /** E.164 */
  phone: Type.String(),
  name: Nullable(Type.String()),
  /** every column of the row by its header (Name included), for SMS variables */
  variables: Type.Record(Type.String(), Type.String()),
});

/** Keyset page of valid entries for the dialer, in row order: rows with rowNumber > afterRowNumber. */
export const RosterEntriesPage = defineRpc(
  'roster.entries.page',
  1,
  Type.Object({ tenantId: Uuid, rosterId: Uuid, afterRowNumber: Type.Integer({ minimum: 0 }), limit: Type.Integer({ minimum: 1, maximum: 10000 }) }),
  Type.Object({ entries: Type.Array(RosterEntry), nextAfterRowNumber: Nullable(Type.Integer()) }),
);
