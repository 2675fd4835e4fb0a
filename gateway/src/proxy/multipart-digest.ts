import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';
import busboy from 'busboy';
import { multipartDigest, sha256 } from '../domain/fingerprint';

/**
 * A pass-through stream that fingerprints a multipart body while it flows to the upstream: each
 * part's field name and content are hashed by busboy (the boundary differs between retries, so the
 * raw bytes would not do). A body busboy cannot parse falls back to the raw bytes' digest.
 */
export function multipartTap(headers: Record<string, string | string[] | undefined>): { stream: Transform; digest: Promise<string> } {
  const raw = createHash('sha256').update('raw:');
  const parts: Promise<string>[] = [];
  let parserFailed = false;
  let bb: busboy.Busboy | undefined;
  let resolveParsed!: () => void;
  const parsed = new Promise<void>((r) => (resolveParsed = r));
  try {
    bb = busboy({ headers: headers as Record<string, string>, limits: { fieldSize: 64 * 1024 * 1024, fieldNameSize: 1000 } });
    bb.on('file', (name, file) => {
      const h = createHash('sha256').update(`file:${name}\0`);
      parts.push(
        new Promise((resolve) => {
          file.on('data', (d: Buffer) => h.update(d));
          file.on('end', () => resolve(h.digest('hex')));
          file.on('error', () => resolve(h.digest('hex')));
        }),
      );
    });
    bb.on('field', (name, value) => parts.push(Promise.resolve(sha256(`field:${name}\0${value}`))));
    bb.on('close', () => resolveParsed());
    bb.on('error', () => {
      parserFailed = true;
      resolveParsed();
    });
  } catch {
    parserFailed = true;
    resolveParsed();
  }
  let resolveRaw!: (hex: string) => void;
  let rejectRaw!: (err: Error) => void;
  const rawDone = new Promise<string>((res, rej) => {
    resolveRaw = res;
    rejectRaw = rej;
  });
  const stream = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      raw.update(chunk);
      if (bb && !parserFailed) bb.write(chunk);
      cb(null, chunk);
    },
    flush(cb) {
      if (bb && !parserFailed) bb.end();
      resolveRaw(raw.digest('hex'));
      cb();
    },
  });
  stream.on('error', (err) => rejectRaw(err));
  const digest = (async () => {
    const rawHex = await rawDone;
    await parsed;
    if (parserFailed) return rawHex;
    return multipartDigest(await Promise.all(parts));
  })();
  digest.catch(() => undefined);
  return { stream, digest };
}
