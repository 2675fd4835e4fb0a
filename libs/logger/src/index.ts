import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

/** Paths whose values never reach a log line: credentials, full phone numbers, SQL parameters. */
export const redactPaths = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers["x-internal-token"]',
  'req.headers["x-csrf-token"]',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers["x-api-key"]',
  'headers["x-internal-token"]',
  'headers.cookie',
  'authorization',
  'password',
  'currentPassword',
  'newPassword',
  'apiKey',
  'token',
  'secret',
  'callbackSecret',
  'settings.password',
  'settings.apiKey',
  'settings.token',
  'settings.callbackSecret',
  '*.password',
  '*.apiKey',
  '*.secret',
  '*.token',
  '*.callbackSecret',
  'phone',
  '*.phone',
  'rawPhone',
  '*.rawPhone',
  'msisdn',
  '*.msisdn',
  // TypeORM's QueryFailedError and friends, wherever they are logged under another key than `err`
  'parameters',
  '*.parameters',
  '*.driverError',
];

/** Masks a phone number for logs: keeps the country prefix and the last three digits. */
export function maskPhone(phone: string): string {
  if (phone.length <= 6) return '***';
  return `${phone.slice(0, 4)}***${phone.slice(-3)}`;
}

/**
 * Phone numbers in free text, in any common form: `+6281234567890`, `6281234567890`,
 * `081234567890`, `0812-3456-7890`, `+62 812 3456 7890` (8 to 15 digits). A run glued to a letter
 * or a dash on either side (a UUID's segments, a hex digest) is left alone.
 */
const PHONE_IN_TEXT = /(?<![\w-])(?:\+|%2B)?\(?\d(?:(?:[ .-]|%20|\) ?|\(|[ .-]\()?\d){7,14}(?![\w-])/gi;
/** An IPv4 address (with its port) is an address, not a phone number: operators need to see which host failed. */
const IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}$/;
/** Our API keys (`ak_` + 43 base64url characters), wherever a message might quote one. */
const API_KEY_IN_TEXT = /\bak_[A-Za-z0-9_-]{20,}/g;
/** Quoted values that PostgreSQL echoes back: `invalid input syntax for type uuid: "…"`. */
const QUOTED_VALUE = /: "(?:[^"\\]|\\.)*"/g;

/** Free text (error messages, URLs) with phone numbers masked and echoed values dropped. */
export function scrubText(text: string): string {
  return text
    .replace(QUOTED_VALUE, ': "[redacted]"')
    .replace(API_KEY_IN_TEXT, 'ak_[redacted]')
    .replace(PHONE_IN_TEXT, (m) => (IPV4.test(m) ? m : maskPhone(m.replace(/%2B/i, '+').replace(/%20|[ .()-]/g, ''))));
}

const SECRET_QUERY_KEY = /token|secret|key|password|signature|auth/i;

/**
 * A request URL as logs may show it: the SMS callback token (a credential in the path) and query
 * values that are secrets are replaced, phone numbers in the query masked.
 */
export function scrubUrl(url: string): string {
  const q = url.indexOf('?');
  // a phone number may be a path segment too (`/v1/dnc/+6287630021323`)
  const path = scrubText((q === -1 ? url : url.slice(0, q)).replace(/(\/sms-callbacks\/)[^/?]+/, '$1[redacted]'));
  if (q === -1) return path;
  const query = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq === -1) return pair;
      const key = pair.slice(0, eq);
      return SECRET_QUERY_KEY.test(key) ? `${key}=[redacted]` : `${key}=${scrubText(pair.slice(eq + 1))}`;
    })
    .join('&');
  return `${path}?${query}`;
}

/** Fields of an error that say what went wrong and never carry request data (pg's names of things, codes). */
const SAFE_ERROR_FIELDS = ['code', 'status', 'statusCode', 'errno', 'syscall', 'severity', 'schema', 'table', 'column', 'constraint', 'dataType', 'routine'];

/**
 * The `err` serializer of every logger: type, message, stack, code and the names pg gives (table,
 * constraint…), never the query text, the parameters or the driver's detail/where/internalQuery
 * (TypeORM's QueryFailedError copies them all onto itself, and pino's default serializer would log
 * every enumerable property). Messages are scrubbed of phone numbers and echoed values. A string
 * logged as `err` is scrubbed likewise.
 */
export function serializeError(err: unknown, depth = 0): unknown {
  if (typeof err === 'string') return scrubText(err);
  if (err === null || typeof err !== 'object') return err;
  const e = err as Record<string, unknown> & { name?: unknown; message?: unknown; stack?: unknown; cause?: unknown; driverError?: unknown };
  const out: Record<string, unknown> = {};
  out.type = typeof e.constructor === 'function' && e.constructor.name !== 'Object' ? e.constructor.name : typeof e.name === 'string' ? e.name : 'Error';
  const message = typeof e.message === 'string' ? scrubText(e.message) : '';
  out.message = message;
  if (typeof e.stack === 'string') {
    // the stack's first lines repeat the raw message: keep only the frames
    const frames = e.stack.split('\n').filter((l) => /^\s+at /.test(l));
    out.stack = [`${String(out.type)}: ${message}`, ...frames].join('\n');
  }
  const driver = e.driverError !== null && typeof e.driverError === 'object' ? (e.driverError as Record<string, unknown>) : undefined;
  for (const k of SAFE_ERROR_FIELDS) {
    const v = e[k] ?? driver?.[k];
    if (typeof v === 'string' || typeof v === 'number') out[k] = v;
  }
  if (depth < 3 && e.cause !== undefined) out.cause = serializeError(e.cause, depth + 1);
  if (depth < 3 && Array.isArray(e.errors)) out.errors = e.errors.slice(0, 5).map((x) => serializeError(x, depth + 1));
  return out;
}

/** What fastify's request and response log lines show: never headers, bodies or the raw URL. */
const serializers = {
  err: (e: unknown) => serializeError(e),
  error: (e: unknown) => serializeError(e),
  url: (u: unknown) => (typeof u === 'string' ? scrubUrl(u) : u),
  req: (r: { method?: string; url?: string; ip?: string } | undefined) => (r && typeof r === 'object' ? { method: r.method, url: typeof r.url === 'string' ? scrubUrl(r.url) : undefined, remoteAddress: r.ip } : r),
  res: (r: { statusCode?: number } | undefined) => (r && typeof r === 'object' ? { statusCode: r.statusCode } : r),
};

export function loggerOptions(name: string, level = 'info'): LoggerOptions {
  const pretty = process.stdout.isTTY && process.env.LOG_FORMAT !== 'json';
  return {
    name,
    level,
    redact: { paths: redactPaths, censor: '[redacted]' },
    serializers,
    ...(pretty ? { transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l' } } } : {}),
  };
}

/** The logger of a process; `destination` (tests) receives the JSON lines instead of stdout. */
export function createLogger(name: string, level = 'info', destination?: DestinationStream): Logger {
  if (destination) return pino({ ...loggerOptions(name, level), transport: undefined }, destination);
  return pino(loggerOptions(name, level));
}
