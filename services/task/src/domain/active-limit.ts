import { taskErrors } from './errors';

/** A tenant's maxActiveTasks and its active (running or paused) tasks, as counted under its lock. */
export interface ActiveSlots {
  limit: number;
  active: number;
}

/**
 * Whether a transition may leave the tenant with this many active tasks (API.md: running and
 * paused tasks count as active). `adding`: the transition makes one more active task (a create, a
 * scheduled start); a resume adds none, but is refused all the same while the tenant is over its limit.
 */
export function assertActiveSlot(slots: ActiveSlots | undefined, adding: boolean): void {
  if (!slots) return;
  const after = slots.active + (adding ? 1 : 0);
  if (after > slots.limit) {
    throw taskErrors.TENANT_LIMIT_REACHED(`The tenant may have ${slots.limit} active (running or paused) task${slots.limit === 1 ? '' : 's'}; it has ${slots.active}.`);
  }
}

/**
 * Which due tasks start now, in their order: each tenant with a limit as many as it has free slots;
 * the others stay scheduled and wait until one of the tenant's tasks ends.
 */
export function admitDue<T extends { id: string; tenant_id: string }>(due: readonly T[], slots: ReadonlyMap<string, ActiveSlots>): T[] {
  const free = new Map([...slots].map(([tenant, s]) => [tenant, s.limit - s.active]));
  return due.filter((t) => {
    const left = free.get(t.tenant_id);
    if (left === undefined) return true;
    if (left <= 0) return false;
    free.set(t.tenant_id, left - 1);
    return true;
  });
}
