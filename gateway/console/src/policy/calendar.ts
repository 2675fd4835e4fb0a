import type { Blackout } from './types';

/** API.md: up to 366 entries. */
export const MAX_BLACKOUTS = 366;

/** One blackout as the page edits it: a single date or a range (`to` inclusive), all as typed. */
export interface BlackoutDraft {
  key: string;
  kind: 'date' | 'range';
  date: string;
  from: string;
  to: string;
  name: string;
}
export type BlackoutField = 'date' | 'from' | 'to' | 'name';
export type BlackoutProblem = 'impossible' | 'reversed' | 'required';
export type BlackoutErrors = Map<string, Partial<Record<BlackoutField, BlackoutProblem | { text: string }>>>;

export const toDraft = (b: Blackout): BlackoutDraft => ({ key: crypto.randomUUID(), kind: b.date ? 'date' : 'range', date: b.date ?? '', from: b.from ?? '', to: b.to ?? '', name: b.name });
export const newBlackout = (kind: BlackoutDraft['kind']): BlackoutDraft => ({ key: crypto.randomUUID(), kind, date: '', from: '', to: '', name: '' });

export function toBody(list: readonly BlackoutDraft[]): ({ date: string; name: string } | { from: string; to: string; name: string })[] {
  return list.map((b) => (b.kind === 'date' ? { date: b.date, name: b.name.trim() } : { from: b.from, to: b.to, name: b.name.trim() }));
}

/** `YYYY-MM-DD` that is a day of the calendar (not `2026-02-30`). */
export function isRealDate(v: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const at = new Date(Date.UTC(y, mo - 1, d));
  return at.getUTCFullYear() === y && at.getUTCMonth() === mo - 1 && at.getUTCDate() === d;
}

/** The page's own checks, the API's rules: real dates, ranges not reversed, a name. */
export function checkBlackouts(list: readonly BlackoutDraft[]): BlackoutErrors {
  const errors: BlackoutErrors = new Map();
  for (const b of list) {
    const e: Partial<Record<BlackoutField, BlackoutProblem>> = {};
    if (b.kind === 'date') {
      if (!isRealDate(b.date)) e.date = 'impossible';
    } else {
      if (!isRealDate(b.from)) e.from = 'impossible';
      if (!isRealDate(b.to)) e.to = 'impossible';
      if (!e.from && !e.to && b.to < b.from) e.to = 'reversed';
    }
    if (!b.name.trim()) e.name = 'required';
    if (Object.keys(e).length > 0) errors.set(b.key, e);
  }
  return errors;
}

/** The API's 400 `errors[]` (`/blackouts/3/to`) placed at the entries they name. */
export function placeApiErrors(list: readonly BlackoutDraft[], errors: readonly { field: string; message: string }[]): { placed: BlackoutErrors; rest: string[] } {
  const placed: BlackoutErrors = new Map();
  const rest: string[] = [];
  for (const e of errors) {
    const m = /blackouts[./[](\d+)\]?[./]?(date|from|to|name)?/.exec(e.field);
    const entry = m ? list[Number(m[1])] : undefined;
    if (!entry) {
      rest.push(e.message);
      continue;
    }
    const field: BlackoutField = (m?.[2] as BlackoutField | undefined) ?? (entry.kind === 'date' ? 'date' : 'from');
    placed.set(entry.key, { ...placed.get(entry.key), [field]: { text: e.message } });
  }
  return { placed, rest };
}
