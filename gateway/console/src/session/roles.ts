import type { Role } from '../api/session-types';

/** The roles in order of what they may do (API.md "sessions and roles"); the API decides, the console only hides what would be refused. */
const ORDER: readonly Role[] = ['viewer', 'operator', 'admin', 'owner'];

/** Whether `role` may do what needs at least `least`. */
export const can = (role: Role, least: Role) => ORDER.indexOf(role) >= ORDER.indexOf(least);
