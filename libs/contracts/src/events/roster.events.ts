import { Type } from '@sinclair/typebox';
import { defineEvent, Nullable, Uuid } from '../core';

/** The import ended with the roster ready: `valid` numbers of `totalRows` non-blank rows. */
export const RosterReady = defineEvent('roster.ready', 1, Type.Object({ tenantId: Uuid, rosterId: Uuid, valid: Type.Integer(), totalRows: Type.Integer() }));
/** The import ended with the roster failed (ROSTER_UNREADABLE, ROSTER_TOO_MANY_ROWS, ROSTER_NO_PHONE_COLUMN, ROSTER_EMPTY, ROSTER_TOO_LARGE, ROSTER_TOO_MANY_COLUMNS, ROSTER_HEADER_INVALID). */
export const RosterFailed = defineEvent('roster.failed', 1, Type.Object({ tenantId: Uuid, rosterId: Uuid, failureReason: Nullable(Type.String()) }));
export const RosterDeleted = defineEvent('roster.deleted', 1, Type.Object({ tenantId: Uuid, rosterId: Uuid }));
