import { randomBytes } from 'node:crypto';

/** RFC 3261 §7.3.3 compact header forms, expanded so lookups need one name only. */
const COMPACT: Record<string, string> = {
  i: 'call-id',
  m: 'contact',
  e: 'content-encoding',
  l: 'content-length',
  c: 'content-type',
  f: 'from',
  s: 'subject',
  k: 'supported',
  t: 'to',
  v: 'via',
};

export class SipHeaders {
  private readonly map = new Map<string, string[]>();

  add(name: string, value: string): void {
    const key = name.toLowerCase();
    const full = COMPACT[key] ?? key;
    const list = this.map.get(full);
    if (list) list.push(value);
    else this.map.set(full, [value]);
  }

  get(name: string): string | undefined {
    return this.map.get(name.toLowerCase())?.[0];
  }

  /** Every value as received; for headers whose values contain commas (WWW-Authenticate). */
  all(name: string): string[] {
    return this.map.get(name.toLowerCase()) ?? [];
  }

  /** Every value, with comma-separated lists (Via, Record-Route…) split into their elements. */
  list(name: string): string[] {
    return (this.map.get(name.toLowerCase()) ?? []).flatMap(splitTopLevel);
  }
}

interface SipBase {
  headers: SipHeaders;
  body: string;
}
export interface SipRequest extends SipBase {
  kind: 'request';
  method: string;
  uri: string;
}
export interface SipResponse extends SipBase {
  kind: 'response';
  status: number;
  reason: string;
}
export type SipMessage = SipRequest | SipResponse;

/** Parses one UDP datagram; returns null for anything that is not a well-formed SIP message. */
export function parseSipMessage(buf: Buffer): SipMessage | null {
  let headEnd = buf.indexOf('\r\n\r\n');
  let sepLen = 4;
  if (headEnd < 0) {
    headEnd = buf.indexOf('\n\n');
    sepLen = 2;
  }
  if (headEnd < 0) {
    headEnd = buf.length;
    sepLen = 0;
  }
  const lines = buf.toString('utf8', 0, headEnd).split(/\r?\n/);
  const startLine = lines.shift();
  if (!startLine) return null;
  const headers = new SipHeaders();
  let current: [string, string] | null = null;
  const flush = (): void => {
    if (current) headers.add(current[0], current[1].trim());
  };
  for (const line of lines) {
    if (line === '') continue;
    // A line starting with whitespace continues the previous header (RFC 3261 §7.3.1).
    if ((line[0] === ' ' || line[0] === '\t') && current) {
      current[1] += ' ' + line.trim();
      continue;
    }
    flush();
    const colon = line.indexOf(':');
    if (colon <= 0) return null;
    current = [line.slice(0, colon).trim(), line.slice(colon + 1)];
  }
  flush();
  const bodyStart = headEnd + sepLen;
  const declared = Number(headers.get('content-length') ?? NaN);
  const bodyEnd = Number.isFinite(declared) ? Math.min(buf.length, bodyStart + declared) : buf.length;
  const body = bodyStart < bodyEnd ? buf.toString('utf8', bodyStart, bodyEnd) : '';

  const res = /^SIP\/2\.0\s+(\d{3})\s*(.*)$/i.exec(startLine);
  if (res) return { kind: 'response', status: Number(res[1]), reason: res[2] ?? '', headers, body };
  const req = /^([A-Za-z]+)\s+(\S+)\s+SIP\/2\.0$/i.exec(startLine);
  if (req) return { kind: 'request', method: req[1]!.toUpperCase(), uri: req[2]!, headers, body };
  return null;
}

/** Splits a header value on commas that are outside quotes and angle brackets. */
export function splitTopLevel(value: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    if (ch === '"' && value[i - 1] !== '\\') quoted = !quoted;
    else if (!quoted && ch === '<') depth++;
    else if (!quoted && ch === '>') depth--;
    else if (!quoted && depth === 0 && ch === ',') {
      out.push(value.slice(start, i).trim());
      start = i + 1;
    }
  }
  const last = value.slice(start).trim();
  if (last) out.push(last);
  return out;
}

/**
 * A header parameter (`;tag=…`, `;branch=…`) of a name-addr or Via value. Parameters inside
 * `<…>` belong to the URI, not the header, so they are skipped.
 */
export function headerParam(value: string | undefined, name: string): string | undefined {
  if (!value) return undefined;
  const close = value.lastIndexOf('>');
  const tail = close >= 0 ? value.slice(close + 1) : value;
  for (const part of tail.split(';').slice(1)) {
    const eq = part.indexOf('=');
    const key = (eq < 0 ? part : part.slice(0, eq)).trim().toLowerCase();
    if (key === name.toLowerCase()) return eq < 0 ? '' : part.slice(eq + 1).trim().replace(/^"|"$/g, '');
  }
  return undefined;
}

/** The URI of a name-addr (`"Bob" <sip:bob@h>;tag=x` → `sip:bob@h`) or addr-spec. */
export function nameAddrUri(value: string): string {
  const open = value.indexOf('<');
  if (open >= 0) return value.slice(open + 1, value.indexOf('>', open));
  return value.split(';')[0]!.trim();
}

export interface HostPort {
  host: string;
  port: number;
}

/** Host and port of a SIP URI (`sip:user@host:port;params`); 5060 when no port is given. */
export function uriHostPort(uri: string): HostPort {
  let rest = uri.replace(/^sips?:/i, '');
  const at = rest.lastIndexOf('@');
  if (at >= 0) rest = rest.slice(at + 1);
  rest = rest.split(/[;?]/)[0]!;
  return parseHostPort(rest, 5060);
}

/** `host`, `host:port`, `[v6]:port` or a SIP URI → host and port. */
export function parseHostPort(value: string, defaultPort: number): HostPort {
  const v = value.trim();
  if (/^sips?:/i.test(v)) return uriHostPort(v);
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(v);
  if (v6) return { host: v6[1]!, port: v6[2] ? Number(v6[2]) : defaultPort };
  const colon = v.lastIndexOf(':');
  if (colon > 0 && v.indexOf(':') === colon) return { host: v.slice(0, colon), port: Number(v.slice(colon + 1)) };
  return { host: v, port: defaultPort };
}

/** Branch ids carry the RFC 3261 magic cookie and enough randomness never to collide. */
export const newBranch = (): string => `z9hG4bK${randomBytes(12).toString('hex')}`;
export const newTag = (): string => randomBytes(8).toString('hex');
export const newCallId = (host: string): string => `${randomBytes(16).toString('hex')}@${host}`;

/** An outgoing request, kept structured so the transaction layer can derive ACK and CANCEL. */
export interface OutgoingRequest {
  method: string;
  uri: string;
  branch: string;
  from: string;
  to: string;
  callId: string;
  cseq: number;
  route: string[];
  headers: [string, string][];
  body?: { type: string; content: string };
  /** The Via sent-by to put instead of the transport's own: a CANCEL from another process must repeat its INVITE's (RFC 3261 §9.1). */
  via?: string;
}

export function serializeRequest(req: OutgoingRequest, via: string): string {
  const lines = [
    `${req.method} ${req.uri} SIP/2.0`,
    `Via: ${via};branch=${req.branch};rport`,
    'Max-Forwards: 70',
    ...req.route.map((r) => `Route: ${r}`),
    `From: ${req.from}`,
    `To: ${req.to}`,
    `Call-ID: ${req.callId}`,
    `CSeq: ${req.cseq} ${req.method}`,
    ...req.headers.map(([k, v]) => `${k}: ${v}`),
  ];
  const content = req.body?.content ?? '';
  if (req.body) lines.push(`Content-Type: ${req.body.type}`);
  lines.push(`Content-Length: ${Buffer.byteLength(content)}`, '', content);
  return lines.join('\r\n');
}

/** A response to a received request: Via, From, To, Call-ID and CSeq copied as RFC 3261 §8.2.6 asks. */
export function serializeResponse(
  req: SipRequest,
  status: number,
  reason: string,
  opts: { toTag?: string; headers?: [string, string][]; body?: { type: string; content: string } } = {},
): string {
  let to = req.headers.get('to') ?? '';
  if (opts.toTag && headerParam(to, 'tag') === undefined) to += `;tag=${opts.toTag}`;
  const lines = [
    `SIP/2.0 ${status} ${reason}`,
    ...req.headers.list('via').map((v) => `Via: ${v}`),
    `From: ${req.headers.get('from') ?? ''}`,
    `To: ${to}`,
    `Call-ID: ${req.headers.get('call-id') ?? ''}`,
    `CSeq: ${req.headers.get('cseq') ?? ''}`,
    ...(opts.headers ?? []).map(([k, v]) => `${k}: ${v}`),
  ];
  const content = opts.body?.content ?? '';
  if (opts.body) lines.push(`Content-Type: ${opts.body.type}`);
  lines.push(`Content-Length: ${Buffer.byteLength(content)}`, '', content);
  return lines.join('\r\n');
}

/** `CSeq: 12 INVITE` → { seq: 12, method: 'INVITE' } */
export function parseCSeq(value: string | undefined): { seq: number; method: string } | null {
  const m = /^\s*(\d+)\s+([A-Za-z]+)/.exec(value ?? '');
  return m ? { seq: Number(m[1]), method: m[2]!.toUpperCase() } : null;
}
