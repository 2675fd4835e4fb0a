import type { DataSource } from 'typeorm';
import { publishInTransaction, type OutboxRelay } from '@autocall/bus';
import { newId, TenantLimitsUpdated, type ApiKeyInfo, type PatchTenantBody, type Tenant, type TenantLimits } from '@autocall/contracts';
import { tenantRepository as repo, type ApiKeyRow, type TenantRow } from '../data/tenant.repository';
import type { ApiKeyCache, LiveKey } from '../domain/api-key-cache';
import { hashApiKey, looksLikeApiKey, newApiKey } from '../domain/api-key';
import { errors } from '../domain/errors';
import { Throttle } from '../domain/throttle';
import type { PasswordHasher } from '../adapters/password-hasher';
import type { TenantCaller } from '../domain/caller';
import { atLeast, type Role } from '../domain/roles';
import { UserService } from './user.service';

const limitsOf = (t: TenantRow): TenantLimits => ({
  maxConcurrentCalls: t.max_concurrent_calls,
  callsPerSecond: t.calls_per_second,
  maxActiveTasks: t.max_active_tasks,
  storageBytes: t.storage_bytes === null ? null : Number(t.storage_bytes),
  smsPerDay: t.sms_per_day,
});
const tenantView = (t: TenantRow): Tenant => ({ id: t.id, name: t.name, createdAt: t.created_at.toISOString(), limits: limitsOf(t) });
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
  private readonly touched = new Throttle(TOUCH_EVERY_MS);

  constructor(
    private readonly db: DataSource,
    private readonly cache: ApiKeyCache,
    private readonly hasher?: PasswordHasher,
    private readonly relay?: OutboxRelay,
  ) {}

  /** A tenant, its first API key (role owner) and, when named, its first owner. */
  async create(name: string, owner?: { email: string; name: string; password: string }) {
    const apiKey = newApiKey();
    const passwordHash = owner && this.hasher ? await this.hasher.hash(owner.password) : undefined;
    return this.db.transaction(async (m) => {
      const t = await repo.insertTenant(m, newId(), name);
      const k = await repo.insertKey(m, newId(), t.id, hashApiKey(apiKey));
      const o = owner && passwordHash ? await UserService.insertOwner(m, t.id, owner, passwordHash) : undefined;
      return { ...tenantView(t), apiKey, apiKeyId: k.id, ...(o ? { owner: { id: o.id, email: o.email, name: o.name, role: o.role } } : {}) };
    });
  }

  /** A key the tenant makes itself (`/v1/api-keys`): its role at most the creator's. */
  async createTenantKey(caller: TenantCaller, name: string, role: Role) {
    if (!atLeast(caller.role, role)) throw errors.FORBIDDEN(`A ${caller.role} may not make a key with role ${role}.`);
    const apiKey = newApiKey();
    const k = await repo.insertKey(this.db.manager, newId(), caller.tenantId, hashApiKey(apiKey), { name, role, createdBy: caller.id });
    return { id: k.id, name, role: k.role, apiKey, createdAt: k.created_at.toISOString() };
  }

  async pageTenantKeys(caller: TenantCaller, page: number, pageSize: number) {
    const { rows, total } = await repo.pageKeys(this.db.manager, caller.tenantId, page, pageSize);
    return { items: rows.map((k) => ({ ...keyView(k), name: k.name, role: k.role, createdBy: k.created_by })), page, pageSize, total };
  }

  async revokeTenantKey(caller: TenantCaller, keyId: string): Promise<void> {
    const key = await repo.findKey(this.db.manager, caller.tenantId, keyId);
    if (!key) throw errors.API_KEY_NOT_FOUND();
    if (!atLeast(caller.role, key.role)) throw errors.FORBIDDEN(`A ${caller.role} may not revoke a key whose role is ${key.role}.`);
    const revoked = await repo.revokeKey(this.db.manager, caller.tenantId, keyId);
    if (!revoked) throw errors.API_KEY_NOT_FOUND();
    this.cache.invalidateKey(keyId);
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

  /**
   * PATCH: a new name and/or the given limits (the others stay). A change of limits moves the
   * tenant's limits version on and writes `tenant.limits-updated` (all of the limits, that version)
   * to the outbox in the same transaction: published even if the broker is down now.
   */
  async update(id: string, body: PatchTenantBody, requestId?: string): Promise<Tenant> {
    const t = await this.db.transaction(async (m) => {
      const row = await repo.updateTenant(m, id, body);
      if (!row) throw errors.TENANT_NOT_FOUND();
      if (body.limits !== undefined) {
        await publishInTransaction(m, TenantLimitsUpdated, { tenantId: id, version: Number(row.limits_version), limits: limitsOf(row), updatedAt: new Date().toISOString() }, { requestId });
      }
      return row;
    });
    if (body.limits !== undefined) this.relay?.nudge();
    return tenantView(t);
  }

  /** `tenant.storage.reserve`: idempotent by key; over the tenant's storageBytes → TENANT_STORAGE_FULL (nothing reserved). */
  async reserveStorage(tenantId: string, key: string, bytes: number) {
    return this.db.transaction(async (m) => {
      const r = await repo.reserveStorage(m, tenantId, key, bytes);
      if (r.state === 'refused') throw errors.TENANT_STORAGE_FULL(`This upload (${bytes} bytes) would take the tenant's storage past its limit of ${r.limit} bytes (${r.used} used).`);
      if (r.state === 'unknown') throw errors.TENANT_NOT_FOUND();
      return { ok: true, usedBytes: r.used, limitBytes: r.limit };
    });
  }

  async releaseStorage(tenantId: string, key: string) {
    await repo.releaseStorage(this.db.manager, tenantId, key);
    return { ok: true };
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
    const live = { keyId: row.id, tenantId: row.tenant_id, role: row.role };
    this.cache.fill(keyHash.toString('base64'), live, epoch);
    this.touch(row.id);
    return live;
  }

  private touch(keyId: string): void {
    if (this.touched.due(keyId)) repo.touchKey(this.db.manager, keyId).catch(() => this.touched.forget(keyId));
  }

}
