import { AppError } from '@autocall/contracts';

/**
 * API.md's strings rule, applied to every request of every service in one place (createServer):
 * every string of a JSON body, query, path parameter and multipart field (value and file name) is
 * valid UTF-8 without NUL (U+0000) or lone surrogates; otherwise 400 VALIDATION_FAILED naming the
 * field, before any handler, validator or database sees it.
 */

/** JSON nested deeper than this is refused before it is parsed (no route takes more than a few levels). */
export const MAX_JSON_DEPTH = 64;

export interface FieldError {
  field: string;
  message: string;
}

export const NOT_UTF8 = 'is not valid UTF-8';
const NUL = 'must not contain U+0000 (NUL)';
const SURROGATE = 'must not contain a lone surrogate';

/** ES2024's String.prototype.isWellFormed (Node 20 has it; the project's TypeScript lib is older). */
interface WellFormed {
  isWellFormed(): boolean;
}

/** Why a string breaks the rule, or undefined when it is fine. */
export function badString(s: string): string | undefined {
  if (s.includes('\u0000')) return NUL;
  if (!(s as unknown as WellFormed).isWellFormed()) return SURROGATE;
  return undefined;
}

export const stringsError = (errors: FieldError[]) => new AppError('VALIDATION_FAILED', 400, 'The request does not match the schema.', errors);

/** Parsed JSON and query objects; never a Buffer or a stream a parser may have left as the body. */
const isPlain = (v: object) => !ArrayBuffer.isView(v) && !(v instanceof ArrayBuffer) && typeof (v as { pipe?: unknown }).pipe !== 'function';

const join = (base: string, key: string) => (base ? `${base}.${key}` : key);

/**
 * The first string (key or value) of a parsed value that `bad` refuses, with its field path
 * (`settings.url`, `items.0.name`; `prefix` first). Iterative, so no nesting depth can overflow the stack.
 * Every request's body goes through it: a first walk touches only strings and containers and builds
 * no path (a 1 MiB array of numbers costs about a millisecond); paths are made only for a body that
 * has a bad string, by a second walk.
 */
export function findBadString(value: unknown, prefix = '', bad: (s: string) => string | undefined = badString): FieldError | undefined {
  return hasBadString(value, bad) ? locateBadString(value, prefix, bad) : undefined;
}

function hasBadString(value: unknown, bad: (s: string) => string | undefined): boolean {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'string') {
      if (bad(v)) return true;
    } else if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const x: unknown = v[i];
        if (typeof x === 'string') {
          if (bad(x)) return true;
        } else if (x !== null && typeof x === 'object') stack.push(x);
      }
    } else if (v !== null && typeof v === 'object' && isPlain(v)) {
      for (const k in v) {
        if (!Object.prototype.hasOwnProperty.call(v, k)) continue;
        if (bad(k)) return true;
        const x = (v as Record<string, unknown>)[k];
        if (typeof x === 'string') {
          if (bad(x)) return true;
        } else if (x !== null && typeof x === 'object') stack.push(x);
      }
    }
  }
  return false;
}

function locateBadString(value: unknown, prefix: string, bad: (s: string) => string | undefined): FieldError | undefined {
  const stack: [unknown, string][] = [[value, prefix]];
  while (stack.length > 0) {
    const [v, path] = stack.pop()!;
    if (typeof v === 'string') {
      const why = bad(v);
      if (why) return { field: path || '(root)', message: why };
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], join(path, String(i))]);
    } else if (v !== null && typeof v === 'object' && isPlain(v)) {
      const keys = Object.keys(v);
      for (let i = keys.length - 1; i >= 0; i--) {
        const k = keys[i];
        const why = bad(k);
        if (why) return { field: join(path, k), message: `(a key) ${why}` };
        stack.push([(v as Record<string, unknown>)[k], join(path, k)]);
      }
    }
  }
  return undefined;
}

/** How deeply a JSON text nests arrays and objects (brackets inside strings do not count); stops counting past `limit`. */
export function jsonDepthOver(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > limit) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

const fatalUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const lenientUtf8 = new TextDecoder('utf-8', { ignoreBOM: true });

/**
 * A request body's bytes as text: invalid UTF-8 is refused (JSON.parse would silently turn it into
 * U+FFFD). The field named is the first string that holds a replacement character once decoded leniently.
 */
export function decodeUtf8Body(body: Buffer, parse: (text: string) => unknown): string {
  try {
    return fatalUtf8.decode(body);
  } catch {
    let field = '(root)';
    try {
      field = findBadString(parse(lenientUtf8.decode(body)), '', (s) => (s.includes('\ufffd') ? NOT_UTF8 : undefined))?.field ?? '(root)';
    } catch {
      // not even JSON once decoded: the body as a whole is named
    }
    throw stringsError([{ field, message: NOT_UTF8 }]);
  }
}

/** Query strings whose parser found an escape that is not UTF-8, by the parsed object: the field names. */
const undecodable = new WeakMap<object, string[]>();

function decodeComponent(s: string): string | undefined {
  const plus = s.includes('+') ? s.replace(/\+/g, ' ') : s;
  if (!plus.includes('%')) return plus;
  try {
    return decodeURIComponent(plus);
  } catch {
    return undefined;
  }
}

/**
 * fastify's querystringParser: `a=1&a=2&b` → `{a: ['1', '2'], b: ''}`, as the default parser gives,
 * but a percent-escape that is not UTF-8 (`%FF`, an encoded lone surrogate `%ED%A0%80`) is
 * remembered, and the hook answers 400 for it (the default parser would pass `%FF` on as text).
 */
export function parseQuery(qs: string): Record<string, string | string[]> {
  const out = Object.create(null) as Record<string, string | string[]>;
  if (qs.length === 0) return out;
  const bad: string[] = [];
  for (const pair of qs.split('&')) {
    if (pair.length === 0) continue;
    const eq = pair.indexOf('=');
    const rawKey = eq === -1 ? pair : pair.slice(0, eq);
    const rawValue = eq === -1 ? '' : pair.slice(eq + 1);
    const key = decodeComponent(rawKey);
    const value = decodeComponent(rawValue);
    if (key === undefined) {
      bad.push(rawKey);
      continue;
    }
    if (value === undefined) {
      bad.push(key);
      continue;
    }
    const prev = out[key];
    if (prev === undefined) out[key] = value;
    else if (Array.isArray(prev)) prev.push(value);
    else out[key] = [prev, value];
  }
  if (bad.length > 0) undecodable.set(out, bad);
  return out;
}

/** The first query field that breaks the rule (undecodable escapes included), as `query.<name>`. */
export function badQueryField(query: unknown): FieldError | undefined {
  if (query === null || typeof query !== 'object') return undefined;
  const bad = undecodable.get(query);
  if (bad) return { field: `query.${bad[0]}`, message: NOT_UTF8 };
  return findBadString(query, 'query');
}

interface PartLike {
  type: 'file' | 'field';
  fieldname: string;
  filename?: string;
  value?: unknown;
  valueTruncated?: boolean;
}

/**
 * A multipart part's strings: its field name, its value (a text field) and its file name. busboy
 * decodes bytes that are not UTF-8 as U+FFFD and keeps no trace of them, so in a multipart part a
 * replacement character is taken for such bytes (a value cut at the field size limit may end
 * inside a character: that one is left to the route, which reports the truncation).
 */
export function checkPart(part: PartLike): void {
  const name = part.fieldname;
  const why = badString(name) ?? (name.includes('\ufffd') ? NOT_UTF8 : undefined);
  if (why) throw stringsError([{ field: '(field name)', message: why }]);
  if (part.type === 'file') {
    const f = part.filename ?? '';
    const bad = badString(f) ?? (f.includes('\ufffd') ? NOT_UTF8 : undefined);
    if (bad) throw stringsError([{ field: `${name}.filename`, message: bad }]);
    return;
  }
  if (typeof part.value === 'string') {
    const bad = badString(part.value) ?? (!part.valueTruncated && part.value.includes('\ufffd') ? NOT_UTF8 : undefined);
    if (bad) throw stringsError([{ field: name, message: bad }]);
    return;
  }
  const found = findBadString(part.value, name);
  if (found) throw stringsError([found]);
}

/** PostgreSQL's `integer`: the widest an integer field may be when its schema sets no bound of its own. */
export const INT_MIN = -2147483648;
export const INT_MAX = 2147483647;

/**
 * A copy of a route schema in which every integer without its own bounds is held to PostgreSQL's
 * `integer` range: JSON Schema's integer takes 1e308 (`?page=1e308` reached SQL as an OFFSET out
 * of range: 500). Bounds a schema sets itself are kept.
 */
export function boundIntegers(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(boundIntegers);
  if (schema === null || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) out[k] = boundIntegers(v);
  const type = out.type;
  if (type === 'integer' || (Array.isArray(type) && type.includes('integer'))) {
    if (out.minimum === undefined && out.exclusiveMinimum === undefined) out.minimum = INT_MIN;
    if (out.maximum === undefined && out.exclusiveMaximum === undefined) out.maximum = INT_MAX;
  }
  return out;
}

/** NUL and lone surrogates as U+FFFD: for the routes API.md lets keep such text (an inbound SMS, an opt-out, is never dropped). */
export function replaceBadStrings(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return badString(value) ? (value.replaceAll('\u0000', '\ufffd') as unknown as WellFormed & { toWellFormed(): string }).toWellFormed() : value;
  if (depth > MAX_JSON_DEPTH || value === null || typeof value !== 'object' || !isPlain(value)) return value;
  if (Array.isArray(value)) return value.map((v) => replaceBadStrings(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[replaceBadStrings(k) as string] = replaceBadStrings(v, depth + 1);
  return out;
}
