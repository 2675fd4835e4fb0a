import type { ContactPolicy } from './types';

/** API.md: each cap is `null` (no cap) or a whole number 1–10. */
export const MIN_CAP = 1;
export const MAX_CAP = 10;

export type CapField = 'maxCallsPerNumberPerDay' | 'maxSmsPerNumberPerDay';
export const CAP_FIELDS = ['maxCallsPerNumberPerDay', 'maxSmsPerNumberPerDay'] as const satisfies readonly CapField[];
/** The form as typed: an empty field is "no cap". */
export type CapDraft = Record<CapField, string>;
export type CapErrors = Partial<Record<CapField, 'range' | { text: string }>>;

export const toCapDraft = (p: Pick<ContactPolicy, CapField>): CapDraft => ({
  maxCallsPerNumberPerDay: p.maxCallsPerNumberPerDay === null ? '' : String(p.maxCallsPerNumberPerDay),
  maxSmsPerNumberPerDay: p.maxSmsPerNumberPerDay === null ? '' : String(p.maxSmsPerNumberPerDay),
});

/** One field as the API takes it: empty is `null`; else a whole number 1–10, or undefined when it is not one. */
export function parseCap(raw: string): number | null | undefined {
  const v = raw.trim();
  if (v === '') return null;
  if (!/^\d{1,2}$/.test(v)) return undefined;
  const n = Number(v);
  return n >= MIN_CAP && n <= MAX_CAP ? n : undefined;
}

/** The page's own check, the API's rule; the body to PUT when both fields pass. */
export function checkCaps(d: CapDraft): { errors: CapErrors; body?: Record<CapField, number | null> } {
  const errors: CapErrors = {};
  const body: Partial<Record<CapField, number | null>> = {};
  for (const f of CAP_FIELDS) {
    const v = parseCap(d[f]);
    if (v === undefined) errors[f] = 'range';
    else body[f] = v;
  }
  return Object.keys(errors).length > 0 ? { errors } : { errors, body: body as Record<CapField, number | null> };
}

/** The API's 400 `errors[]` on the fields they name (`/maxCallsPerNumberPerDay`, `body.maxSmsPerNumberPerDay`…); the rest for the form. */
export function placeCapErrors(errors: readonly { field: string; message: string }[]): { placed: CapErrors; rest: string[] } {
  const placed: CapErrors = {};
  const rest: string[] = [];
  for (const e of errors) {
    const f = CAP_FIELDS.find((c) => e.field.replace(/^body[./]?|^\//, '') === c);
    if (f) placed[f] ??= { text: e.message };
    else rest.push(e.message);
  }
  return { placed, rest };
}
