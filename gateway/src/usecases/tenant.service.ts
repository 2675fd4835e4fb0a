import type { DataSource } from 'typeorm';
import { newId, type ApiKeyInfo, type Tenant } from '@autocall/contracts';
import { tenantRepository as repo, type ApiKeyRow, type TenantRow } from '../data/tenant.repository';
import type { ApiKeyCache, LiveKey } from '../domain/api-key-cache';
import { hashApiKey, looksLikeApiKey, newApiKey } from '../domain/api-key';
import { errors } from '../domain/errors';

const tenantView = (t: TenantRow): Tenant => ({ id: t.id, name: t.name, createdAt: t.created_at.toISOString() });
const keyView = (k: ApiKeyRow): ApiKeyInfo => ({
  id: k.id,
  createdAt: k.created_at.toISOString(),
  lastUsedAt: k.last_used_at?.toISOString() ?? null,
  revokedAt: k.revoked_at?.toISOString() ?? null,
});

/** How often (per replica and key) `lastUsedAt` is written: it is informative, not worth a write per request. */
const TOUCH_EVERY_MS = 60_000;

/** Tenants and their API keys. A key is shown once, at creation; only its SHA-256 is stored. */
export class TenantService {
  private readonly touched = new Map<string, number>();

  constructor(
    private readonly db: DataSource,
    private readonly cache: ApiKeyCache,
  ) {}

  async create(name: string) {
    const apiKey = newApiKey();
    return this.db.transaction(async (m) => {
      const t = await repo.insertTenant(m, newId(), name);
      const k = await repo.insertKey(m, newId(), t.id, hashApiKey(apiKey));
      return { ...tenantView(t), apiKey, apiKeyId: k.id };
    });
  }

  async get(id: string) {
    const t = await repo.findTenant(this.db.manager, id);
    if (!t) throw errors.TENANT_NOT_FOUND();
    return tenantView(t);
  }

  async list(page: number, pageSize: number) {
    const { rows, total } = await repo.listTenants(this.db.manager, page, pageSize);
    return { items: rows.map(tenantView), page, pageSize, total };
  }

  async createKey(tenantId: string) {
    const apiKey = newApiKey();
    return this.db.transaction(async (m) => {
      if (!(await repo.findTenant(m, tenantId, true))) throw errors.TENANT_NOT_FOUND();
      const k = await repo.insertKey(m, newId(), tenantId, hashApiKey(apiKey));
      return { id: k.id, apiKey, createdAt: k.created_at.toISOString() };
    });
  }

  async listKeys(tenantId: string) {
    if (!(await repo.findTenant(this.db.manager, tenantId))) throw errors.TENANT_NOT_FOUND();
    return { items: (await repo.listKeys(this.db.manager, tenantId)).map(keyView) };
  }

  /**
   * Revoked in the database; this replica forgets the key before answering, and the commit notifies
   * the others (a trigger), which forget it when the notification arrives, or at worst when their
   * cache entry expires (API_KEY_CACHE_TTL_MS).
   */
  async revokeKey(tenantId: string, keyId: string): Promise<void> {
    if (!(await repo.findTenant(this.db.manager, tenantId))) throw errors.TENANT_NOT_FOUND();
    const revoked = await repo.revokeKey(this.db.manager, tenantId, keyId);
    if (revoked) this.cache.invalidateKey(keyId);
    if (!revoked) throw errors.API_KEY_NOT_FOUND();
  }

  /** A live key known without asking the database (see ApiKeyCache), else undefined. */
  private cached(keyHash: Buffer): LiveKey | undefined {
    const hit = this.cache.get(keyHash.toString('base64'));
    if (hit) this.touch(hit.keyId);
    return hit;
  }

  /** The key, if this replica holds it as live in its cache: no database lookup. */
  authenticateCached(key: string): LiveKey | undefined {
    return looksLikeApiKey(key) ? this.cached(hashApiKey(key)) : undefined;
  }

  /** The key's id and tenant, or undefined for a malformed, unknown or revoked key. */
  async authenticate(key: string, keyHash: Buffer = hashApiKey(key)): Promise<LiveKey | undefined> {
    if (!looksLikeApiKey(key)) return undefined;
    const hit = this.cached(keyHash);
    if (hit) return hit;
    const epoch = this.cache.epoch;
    const row = await repo.findLiveKey(this.db, keyHash);
    if (!row) return undefined;
    const live = { keyId: row.id, tenantId: row.tenant_id };
    this.cache.fill(keyHash.toString('base64'), live, epoch);
    this.touch(row.id);
    return live;
  }

  private touch(keyId: string): void {
    const now = Date.now();
    if ((this.touched.get(keyId) ?? 0) < now - TOUCH_EVERY_MS) {
      this.touched.set(keyId, now);
      if (this.touched.size > 100_000) this.touched.clear();
      repo.touchKey(this.db.manager, keyId).catch(() => this.touched.delete(keyId));
    }
  }
}
