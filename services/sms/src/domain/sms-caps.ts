/**
 * The SMS caps (API.md): the tenant's smsPerDay → reason TENANT_LIMIT, the contact policy's
 * maxSmsPerNumberPerDay → reason CONTACT_LIMIT, both per calendar day of the task's time zone and
 * across all of the tenant's tasks. Pure: the counts come from rows the caller holds locked.
 */
export const TENANT_LIMIT = 'TENANT_LIMIT';
export const CONTACT_LIMIT = 'CONTACT_LIMIT';

export interface CapCandidate {
  id: string;
  tenantId: string;
  phone: string;
  /** the task's local day, YYYY-MM-DD */
  day: string;
}

export interface CapState {
  /** smsPerDay by tenant (absent or null: no limit) */
  tenantLimit: ReadonlyMap<string, number | null>;
  /** maxSmsPerNumberPerDay by tenant (absent or null: no cap) */
  numberCap: ReadonlyMap<string, number | null>;
  /** SMS counted so far, by dayKey / numberKey */
  tenantSent: ReadonlyMap<string, number>;
  numberSent: ReadonlyMap<string, number>;
}

export const dayKey = (tenantId: string, day: string) => `${tenantId}|${day}`;
export const numberKey = (tenantId: string, phone: string, day: string) => `${tenantId}|${phone}|${day}`;

/**
 * Decides each candidate in order: over the number's cap → CONTACT_LIMIT, else over the tenant's
 * limit → TENANT_LIMIT, else it counts against both. Returns the refusals and the new counts.
 */
export function applyCaps(candidates: readonly CapCandidate[], s: CapState): { refused: Map<string, string>; tenantSent: Map<string, number>; numberSent: Map<string, number> } {
  const tenantSent = new Map(s.tenantSent);
  const numberSent = new Map(s.numberSent);
  const refused = new Map<string, string>();
  for (const c of candidates) {
    const cap = s.numberCap.get(c.tenantId) ?? null;
    const limit = s.tenantLimit.get(c.tenantId) ?? null;
    const nk = numberKey(c.tenantId, c.phone, c.day);
    const dk = dayKey(c.tenantId, c.day);
    if (cap !== null && (numberSent.get(nk) ?? 0) >= cap) refused.set(c.id, CONTACT_LIMIT);
    else if (limit !== null && (tenantSent.get(dk) ?? 0) >= limit) refused.set(c.id, TENANT_LIMIT);
    else {
      if (cap !== null) numberSent.set(nk, (numberSent.get(nk) ?? 0) + 1);
      if (limit !== null) tenantSent.set(dk, (tenantSent.get(dk) ?? 0) + 1);
    }
  }
  return { refused, tenantSent, numberSent };
}

const dayFormats = new Map<string, Intl.DateTimeFormat>();
/** The calendar date (YYYY-MM-DD) at `at` in `timeZone`; an unknown zone falls back to `fallbackZone`. */
export function localDay(at: Date, timeZone: string, fallbackZone: string): string {
  let f = dayFormats.get(timeZone);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    } catch {
      return localDay(at, fallbackZone, 'UTC');
    }
    dayFormats.set(timeZone, f);
  }
  return f.format(at);
}
