/** Recording rules: names, file names and byte ranges. Pure, no I/O. */
import { invalidField } from '@autocall/contracts';

export const NAME_MAX = 100;
const codePoints = (s: string) => [...s].length;

/** The client's file name as metadata: its last path segment, no control characters, ≤ 255 characters. */
export function cleanFileName(raw: string | undefined): string {
  const base = (raw ?? '').split(/[/\\]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex
  const clean = [...base.replace(/[\x00-\x1f\x7f]/g, '').trim()].slice(0, 255).join('');
  return clean === '.' || clean === '..' ? '' : clean;
}

/** `name` as sent (1–100 characters after trimming), or the file name without its extension. */
export function recordingName(name: string | undefined, fileName: string): string {
  if (name !== undefined) {
    const trimmed = name.trim();
    if (codePoints(trimmed) < 1 || codePoints(trimmed) > NAME_MAX) {
      throw invalidField('name', `must be 1–${NAME_MAX} characters`);
    }
    return trimmed;
  }
  const stem = fileName.replace(/\.[^.]*$/, '').trim();
  return [...stem].slice(0, NAME_MAX).join('').trim() || 'Recording';
}

export interface ByteRange {
  start: number;
  end: number; // inclusive
}

/**
 * One `bytes=` range against a size: undefined to send the whole file (no header, a malformed one
 * or several ranges: RFC 9110 lets a server ignore those), 'unsatisfiable' for 416.
 */
export function parseRange(header: string | undefined, size: number): ByteRange | 'unsatisfiable' | undefined {
  if (!header) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (m[2] !== '' && Number(m[2]) < start) return undefined;
  if (start >= size) return 'unsatisfiable';
  return { start, end };
}
