import { hash, randomBytes } from 'node:crypto';

/** API keys look like `ak_<43 base64url chars>`: 32 random bytes, recognisable in logs and secret scanners. */
export const API_KEY_PREFIX = 'ak_';
const API_KEY_RE = /^ak_[A-Za-z0-9_-]{43}$/;

export function newApiKey(): string {
  return API_KEY_PREFIX + randomBytes(32).toString('base64url');
}

/** Keys are stored as SHA-256 digests: the keys carry 256 bits of entropy, so no slow hash is needed. */
export function hashApiKey(key: string): Buffer {
  return hash('sha256', key, 'buffer'); // one-shot: no Hash object per request
}

export function looksLikeApiKey(key: string): boolean {
  return API_KEY_RE.test(key);
}

/** The credential a request presents: `Authorization: Bearer <key>` or `X-API-Key: <key>`. */
export function presentedKey(headers: Record<string, string | string[] | undefined>): string | undefined {
  const auth = headers.authorization;
  if (typeof auth === 'string') {
    const m = /^Bearer[ ]+(\S+)\s*$/i.exec(auth);
    if (m) return m[1];
  }
  const x = headers['x-api-key'];
  return typeof x === 'string' && x.length > 0 ? x.trim() : undefined;
}
