/**
 * Sharing a claim's free channels (issue 15): between tenants first, then between a tenant's
 * tasks, so a tenant with fifty tasks does not starve one with one. Pure.
 *
 * Each level is water-filling: a channel at a time goes to whoever holds the fewest calls now
 * (its calls in flight across every replica plus what this claim gave it), among those that still
 * want one; ties go to the earlier in the given order (the least recently claimed task first).
 */

export interface TaskDemand {
  taskId: string;
  tenantId: string;
  /** The task's calls in `dialing` across replicas. */
  inFlight: number;
  /** How many it can take now: its due attempts, within its own limits (concurrency, tokens). */
  demand: number;
}

export interface TenantState {
  /** The tenant's calls in `dialing` across replicas. */
  inFlight: number;
  /** How many more its limits allow now (null: no limit). */
  quota: number | null;
}

/** Gives `free` slots, one at a time, to the least-served entry that still wants one. */
function waterFill(free: number, entries: { held: number; want: number }[]): number[] {
  const given = entries.map(() => 0);
  for (let left = free; left > 0; left--) {
    let best = -1;
    for (let i = 0; i < entries.length; i++) {
      if (given[i] >= entries[i].want) continue;
      if (best < 0 || entries[i].held + given[i] < entries[best].held + given[best]) best = i;
    }
    if (best < 0) break;
    given[best]++;
  }
  return given;
}

/** How many attempts each task may claim now, out of `free` channels. Tasks keep the given order. */
export function shareChannels(free: number, tasks: readonly TaskDemand[], tenants: ReadonlyMap<string, TenantState>): Map<string, number> {
  const byTenant = new Map<string, TaskDemand[]>();
  for (const t of tasks) {
    if (t.demand <= 0) continue;
    const list = byTenant.get(t.tenantId) ?? [];
    list.push(t);
    byTenant.set(t.tenantId, list);
  }
  const tenantIds = [...byTenant.keys()];
  const perTenant = waterFill(
    Math.max(0, free),
    tenantIds.map((id) => {
      const state = tenants.get(id) ?? { inFlight: 0, quota: null };
      const want = byTenant.get(id)!.reduce((n, t) => n + t.demand, 0);
      return { held: state.inFlight, want: state.quota === null ? want : Math.max(0, Math.min(want, state.quota)) };
    }),
  );
  const out = new Map<string, number>();
  tenantIds.forEach((id, i) => {
    const list = byTenant.get(id)!;
    const given = waterFill(
      perTenant[i],
      list.map((t) => ({ held: t.inFlight, want: t.demand })),
    );
    list.forEach((t, j) => {
      if (given[j] > 0) out.set(t.taskId, given[j]);
    });
  });
  return out;
}
