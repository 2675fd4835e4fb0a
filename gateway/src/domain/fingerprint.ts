import { createHash } from 'node:crypto';

/** JSON with object keys sorted at every level, so `{"a":1,"b":2}` and `{"b":2,"a":1}` agree. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    return `{${Object.keys(obj)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

export const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

/** The digest of a JSON body (already parsed): its canonical JSON. */
export const jsonDigest = (value: unknown) => sha256(`json:${canonicalJson(value)}`);

/** The digest of a buffered body: canonical JSON when it parses as JSON, else the raw bytes. */
export function bodyDigest(body: Buffer, contentType: string | undefined): string {
  if (body.length > 0 && (!contentType || /json/i.test(contentType))) {
    try {
      return jsonDigest(JSON.parse(body.toString('utf8')));
    } catch {
      // not JSON: the bytes decide
    }
  }
  return sha256(Buffer.concat([Buffer.from('raw:'), body]));
}

/**
 * The digest of a body fastify has parsed (the gateway's own routes), as bodyDigest() gives for the
 * same bytes: none is an empty body, a JSON value its canonical JSON, a non-JSON text its bytes.
 */
export function parsedBodyDigest(body: unknown, contentType: string | undefined): string {
  if (body === undefined) return bodyDigest(Buffer.alloc(0), contentType);
  if (typeof body === 'string' && contentType && !/json/i.test(contentType)) return bodyDigest(Buffer.from(body), contentType);
  return jsonDigest(body);
}

/**
 * The digest of a multipart body from its parts' digests (field name + content). The parts are
 * sorted so that a retry sending them in another order (or with another boundary) agrees.
 */
export function multipartDigest(partDigests: string[]): string {
  return sha256(`multipart:${[...partDigests].sort().join(',')}`);
}

export function fingerprint(method: string, path: string, bodyDigestHex: string): string {
  return sha256(`${method.toUpperCase()} ${path}\n${bodyDigestHex}`);
}
