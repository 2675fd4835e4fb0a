import type { DataSource } from 'typeorm';
import { newId } from '@autocall/contracts';
import { tenantRepository as repo, type ApiKeyRow, type TenantRow } from '../data/tenant.repository';
import { hashApiKey, looksLikeApiKey, newApiKey } from './api-key';
import { errors } from './errors';

const tenantView = (t: TenantRow) => ({ id: t.id, name: t.name, createdAt: t.created_at.toISOString() });
const keyView = (k: ApiKeyRow) => ({
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

  constructor(private readonly db: DataSource) {}

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

  /** Revoked in the database that every replica reads on every request: it stops working at once. */
  async revokeKey(tenantId: string, keyId: string): Promise<void> {
    if (!(await repo.findTenant(this.db.manager, tenantId))) throw errors.TENANT_NOT_FOUND();
    if (!(await repo.revokeKey(this.db.manager, tenantId, keyId))) throw errors.API_KEY_NOT_FOUND();
  }

  /** The key's id and tenant, or undefined for a malformed, unknown or revoked key. */
  async authenticate(key: string, keyHash: Buffer = hashApiKey(key)): Promise<{ keyId: string; tenantId: string } | undefined> {
    if (!looksLikeApiKey(key)) return undefined;
    const row = await repo.findLiveKey(this.db, keyHash);
    if (!row) return undefined;
    const now = Date.now();
    if ((this.touched.get(row.id) ?? 0) < now - TOUCH_EVERY_MS) {
      this.touched.set(row.id, now);
      if (this.touched.size > 100_000) this.touched.clear();
      repo.touchKey(this.db.manager, row.id).catch(() => this.touched.delete(row.id));
    }
    return { keyId: row.id, tenantId: row.tenant_id };
  }
}
