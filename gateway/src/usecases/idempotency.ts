import { randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { DataSource } from 'typeorm';
import { idempotencyRepository as idem, type IdempotencyRow, type StoredResponse } from '../data/idempotency.repository';
import { errors } from '../domain/errors';
import type { BodySealer } from '../domain/sealed-body';

/** The tenant column of idempotency records made by the admin (who has no tenant). */
export const ADMIN_TENANT = '00000000-0000-0000-0000-000000000000';

export interface IdempotencyOptions {
  db: DataSource;
  /** How long a duplicate waits for an in-flight first request before 409. */
  waitMs: number;
  /** An in-flight record older than this belongs to a replica that died: it may be taken over. */
  staleMs: number;
  /** Encrypts the bodies of `sealed` requests (undefined without ADMIN_TOKEN). */
  sealer?: BodySealer;
}

export interface IdempotentRequest {
  key: string;
  /** The request's fingerprint (method, path, body), or null when only known once the body has passed (multipart). */
  fingerprint: string | null;
  /** The fingerprint of a duplicate whose fingerprint was not known in advance (it reads the body). */
  lateFingerprint?: () => Promise<string>;
  /** The answer holds a secret: its body is stored encrypted (BodySealer). */
  sealed?: boolean;
}

/** What the request produced. */
export interface Produced {
  /** The answer kept for replays, under the final fingerprint; undefined forgets the record (a 5xx, a body that never ended). */
  keep?: { fingerprint: string; response: Omit<StoredResponse, 'sealed'> };
  /** Answers this client. */
  send: () => FastifyReply | Promise<FastifyReply>;
}

export const tenantOfRecord = (req: FastifyRequest) => (req.isAdmin ? ADMIN_TENANT : req.tenantId);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What binds an encrypted body to its record. */
const sealingContext = (tenant: string, key: string, fingerprint: string) => JSON.stringify(['idempotency', tenant, key, fingerprint]);

function replay(reply: FastifyReply, row: IdempotencyRow, body: Buffer | null) {
  reply.code(row.status ?? 200);
  for (const [k, v] of Object.entries(row.headers ?? {})) reply.header(k, v);
  reply.header('idempotent-replayed', 'true');
  return reply.send(body && body.length > 0 ? body : undefined);
}

/**
 * API.md "idempotency", for proxied and the gateway's own POSTs alike: the (tenant, key) row is
 * inserted before the request runs, so that replicas agree on who runs it; a duplicate replays the
 * stored answer, waits for an in-flight one (then 409), or gets 422 for another request under the
 * same key. `produce` runs the request; when it throws or keeps nothing, the row is forgotten.
 */
export async function idempotent(req: FastifyRequest, reply: FastifyReply, opts: IdempotencyOptions, r: IdempotentRequest, produce: () => Promise<Produced>) {
  const tenant = tenantOfRecord(req);
  const { key } = r;
  const owner = randomUUID();
  const deadline = Date.now() + opts.waitMs;
  const m = opts.db.manager;
  for (;;) {
    if (await idem.claim(m, { tenantId: tenant, key, owner, method: req.method, path: req.url, fingerprint: r.fingerprint, staleMs: opts.staleMs })) break;
    const row = await idem.find(m, tenant, key);
    if (!row) {
      // gone (released or expired) since the claim: claim again
      if (Date.now() >= deadline) throw errors.IDEMPOTENCY_KEY_IN_PROGRESS();
      continue;
    }
    if (row.state === 'complete') {
      const ours = r.fingerprint ?? (r.lateFingerprint ? await r.lateFingerprint() : null);
      if (ours === null || row.fingerprint !== ours) throw errors.IDEMPOTENCY_KEY_REUSED();
      let body = row.body;
      if (row.body_sealed && body) {
        // Sealed under another ADMIN_TOKEN (rotated since): the first request did take effect, but
        // its answer cannot be shown, and running it again would create a second resource.
        body = opts.sealer?.open(body, sealingContext(tenant, key, ours)) ?? null;
        if (!body) throw errors.IDEMPOTENCY_REPLAY_UNAVAILABLE();
      }
      return replay(reply, row, body);
    }
    if (r.fingerprint && row.fingerprint && row.fingerprint !== r.fingerprint) throw errors.IDEMPOTENCY_KEY_REUSED();
    if (Date.now() >= deadline) throw errors.IDEMPOTENCY_KEY_IN_PROGRESS();
    await sleep(Math.min(100, Math.max(10, deadline - Date.now())));
  }

  const release = () => idem.release(m, tenant, key, owner).catch((err: unknown) => req.log.error({ err }, 'idempotency release failed'));
  let produced: Produced;
  try {
    produced = await produce();
  } catch (err) {
    await release();
    throw err;
  }
  const keep = produced.keep;
  if (!keep) {
    await release();
  } else if (r.sealed) {
    if (!opts.sealer) {
      // nothing to encrypt with (no ADMIN_TOKEN): the secret is never stored in clear, so no replay is kept
      await release();
    } else {
      const body = opts.sealer.seal(keep.response.body, sealingContext(tenant, key, keep.fingerprint));
      await idem.complete(m, tenant, key, owner, keep.fingerprint, { ...keep.response, body, sealed: true });
    }
  } else {
    await idem.complete(m, tenant, key, owner, keep.fingerprint, { ...keep.response, sealed: false });
  }
  return produced.send();
}
