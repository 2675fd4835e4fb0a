import type { Dependencies } from './dependencies';
import { taskErrors } from './errors';

type Answer<K extends 'recording' | 'roster' | 'template'> = Awaited<ReturnType<Dependencies[K]>>;

/** Variables every template may use whatever the roster (the sms service renders them). */
export const BUILT_IN_VARIABLES = ['name', 'phone', 'taskName'];

/** A task may use a recording that exists and is ready (an owner that reports no status is taken as ready); its duration, 0 if unknown. */
export function usableRecording(rec: Answer<'recording'>): { durationMs: number } {
  if (!rec.found) throw taskErrors.RECORDING_NOT_FOUND();
  if (rec.status !== undefined && rec.status !== 'ready') throw taskErrors.RECORDING_NOT_READY();
  return { durationMs: rec.durationMs ?? 0 };
}

/** A task may use a roster that exists, is ready and has at least one valid number: that many to call, and its columns. */
export function usableRoster(ros: Answer<'roster'>): { total: number; columns: string[] } {
  if (!ros.found) throw taskErrors.ROSTER_NOT_FOUND();
  if (ros.status !== 'ready') throw taskErrors.ROSTER_NOT_READY();
  if (!ros.valid || ros.valid <= 0) throw taskErrors.ROSTER_EMPTY();
  return { total: ros.valid, columns: ros.columns ?? [] };
}

/**
 * A follow-up may use a template that exists, is approved and uses only built-in variables and the
 * roster's columns — matched exactly after the sms service's trimming, as its renderer looks them up.
 */
export function assertUsableTemplate(t: Answer<'template'>, columns: string[]): void {
  if (!t.found) throw taskErrors.TEMPLATE_NOT_FOUND();
  if (t.status !== 'approved') throw taskErrors.TEMPLATE_NOT_APPROVED();
  const allowed = new Set([...BUILT_IN_VARIABLES, ...columns.map((c) => c.trim())]);
  const missing = (t.variables ?? []).filter((v) => !allowed.has(v));
  if (missing.length > 0) throw taskErrors.TEMPLATE_VARIABLES_MISSING(`The SMS template uses ${missing.map((v) => `{{${v}}}`).join(', ')}, which is neither built in (name, phone, taskName) nor a roster column.`);
}
