import type { Role } from '../api/session-types';
import type { MessageKey } from '../i18n/languages';
import { can } from '../session/roles';

/** Every role, lowest first (API.md "sessions and roles"). */
export const ROLES: readonly Role[] = ['viewer', 'operator', 'admin', 'owner'];

/**
 * The roles `caller` may give a user or an API key: none above its own, so an admin is never
 * offered "owner". The API refuses more with 403 anyway; this only keeps the console from offering it.
 */
export const grantableRoles = (caller: Role): Role[] => ROLES.filter((r) => can(caller, r));

export const roleKey = (r: Role) => `admin.role.${r}` as MessageKey;
