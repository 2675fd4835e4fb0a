import { createHash, randomBytes } from 'node:crypto';
import { splitTopLevel } from './sip-message';

/** One `Digest` challenge from a WWW-Authenticate (401) or Proxy-Authenticate (407) header. */
export interface DigestChallenge {
  realm: string;
  nonce: string;
  opaque?: string;
  algorithm: string;
  qop?: string[];
  stale: boolean;
}

const SUPPORTED = ['SHA-256', 'SHA-256-SESS', 'MD5', 'MD5-SESS'];

export function parseChallenge(value: string): DigestChallenge | null {
  const m = /^\s*Digest\s+(.*)$/is.exec(value);
  if (!m) return null;
  const params = new Map<string, string>();
  for (const part of splitTopLevel(m[1]!)) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    params.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).trim().replace(/^"|"$/g, ''));
  }
  const realm = params.get('realm');
  const nonce = params.get('nonce');
  if (realm === undefined || nonce === undefined) return null;
  return {
    realm,
    nonce,
    opaque: params.get('opaque'),
    algorithm: (params.get('algorithm') ?? 'MD5').toUpperCase(),
    qop: params.get('qop')?.split(',').map((q) => q.trim().toLowerCase()),
    stale: params.get('stale')?.toLowerCase() === 'true',
  };
}

/** Of several challenges (RFC 8760 lets a server offer SHA-256 and MD5), the strongest we support. */
export function pickChallenge(values: string[]): DigestChallenge | null {
  const offered = values.map(parseChallenge).filter((c): c is DigestChallenge => c !== null && SUPPORTED.includes(c.algorithm));
  offered.sort((a, b) => SUPPORTED.indexOf(a.algorithm) - SUPPORTED.indexOf(b.algorithm));
  return offered[0] ?? null;
}

export interface DigestInput {
  username: string;
  password: string;
  method: string;
  uri: string;
  /** Fixed only by tests reproducing RFC examples; random otherwise. */
  cnonce?: string;
  nc?: number;
}

/** The Authorization / Proxy-Authorization value answering a challenge (RFC 2617, RFC 7616 qop=auth). */
export function digestAuthorization(ch: DigestChallenge, input: DigestInput): string {
  const hashName = ch.algorithm.startsWith('SHA-256') ? 'sha256' : 'md5';
  const h = (s: string): string => createHash(hashName).update(s).digest('hex');
  const useQop = ch.qop?.includes('auth') ?? false;
  const cnonce = input.cnonce ?? randomBytes(8).toString('hex');
  const nc = (input.nc ?? 1).toString(16).padStart(8, '0');
  let ha1 = h(`${input.username}:${ch.realm}:${input.password}`);
  if (ch.algorithm.endsWith('-SESS')) ha1 = h(`${ha1}:${ch.nonce}:${cnonce}`);
  const ha2 = h(`${input.method}:${input.uri}`);
  const response = useQop ? h(`${ha1}:${ch.nonce}:${nc}:${cnonce}:auth:${ha2}`) : h(`${ha1}:${ch.nonce}:${ha2}`);
  const parts = [
    `username="${input.username}"`,
    `realm="${ch.realm}"`,
    `nonce="${ch.nonce}"`,
    `uri="${input.uri}"`,
    `response="${response}"`,
    `algorithm=${ch.algorithm}`,
  ];
  if (ch.opaque !== undefined) parts.push(`opaque="${ch.opaque}"`);
  // cnonce is needed for -sess even without qop (RFC 2617 §3.2.2.2).
  if (useQop || ch.algorithm.endsWith('-SESS')) parts.push(`cnonce="${cnonce}"`);
  if (useQop) parts.push('qop=auth', `nc=${nc}`);
  return `Digest ${parts.join(', ')}`;
}
