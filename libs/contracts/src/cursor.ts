import { commonErrors } from './errors';

/**
 * Opaque keyset cursors: base64url JSON tagged with the list they belong to, so a cursor from
 * another list (or a hand-made one) is refused with INVALID_CURSOR instead of paging wrongly.
 */
export function encodeCursor(list: string, key: unknown[]): string {
  return Buffer.from(JSON.stringify({ l: list, k: key })).toString('base64url');
}

export function decodeCursor(list: string, cursor: string | undefined, arity: number): unknown[] | undefined {
  if (cursor === undefined) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { l?: unknown; k?: unknown };
    if (parsed.l !== list || !Array.isArray(parsed.k) || parsed.k.length !== arity) throw new Error('bad');
    return parsed.k;
  } catch {
    throw commonErrors.INVALID_CURSOR();
  }
}
