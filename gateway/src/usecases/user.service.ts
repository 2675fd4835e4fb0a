import type { DataSource } from 'typeorm';
import { newId, ROLES } from '@autocall/contracts';
import type { PasswordHasher } from '../adapters/password-hasher';
import { userRepository as users, type UserRow } from '../data/user.repository';
import { tenantRepository as tenants } from '../data/tenant.repository';
import type { ApiKeyCache, LiveKey } from '../domain/api-key-cache';
import type { TenantCaller } from '../domain/caller';
import { errors } from '../domain/errors';
import { atLeast, type Role } from '../domain/roles';
import { normalEmail, type LiveSession } from '../domain/session';

export const userView = (u: UserRow) => ({
  id: u.id,
  email: u.email,
  name: u.name,
  role: u.role,
  disabled: u.disabled,
  createdAt: u.created_at.toISOString(),
  updatedAt: u.updated_at.toISOString(),
});

export interface NewUser {
  email: string;
  name: string;
  role: Role;
  password: string;
}

/**
 * The tenant's users (API.md `/v1/users`): nobody gives or touches a role above their own, the last
 * enabled owner stays, and a new password, disabling or deleting ends the user's sessions (on this
 * replica at once; on the others when the trigger's notification arrives).
 */
export class UserService {
  constructor(
    private readonly db: DataSource,
    private readonly hasher: PasswordHasher,
    private readonly sessions: ApiKeyCache<LiveSession>,
    /** The API-key cache, when keys are served: a user's keys revoked here leave it at once. */
    private readonly keys?: ApiKeyCache<LiveKey>,
  ) {}

  /** Keys are never above their maker: revoked in the transaction that demotes, disables or deletes the maker. */
  private async capKeysOf(m: Parameters<typeof tenants.revokeKeysMadeBy>[0], tenantId: string, userId: string, ceiling: Role | undefined): Promise<string[]> {
    return tenants.revokeKeysMadeBy(m, tenantId, userId, ceiling, ROLES);
  }

  async list(caller: TenantCaller, page: number, pageSize: number) {
    const { rows, total } = await users.listUsers(this.db.manager, caller.tenantId, page, pageSize);
    return { items: rows.map(userView), page, pageSize, total };
  }

  async get(caller: TenantCaller, id: string) {
    return userView(await this.find(caller.tenantId, id));
  }

  async create(caller: TenantCaller, u: NewUser) {
    if (!atLeast(caller.role, u.role)) throw errors.FORBIDDEN(`A ${caller.role} may not make a user ${u.role}.`);
    const passwordHash = await this.hasher.hash(u.password);
    const row = await users.insertUser(this.db.manager, { id: newId(), tenantId: caller.tenantId, email: normalEmail(u.email), name: u.name, role: u.role, passwordHash });
    if (!row) throw errors.EMAIL_TAKEN();
    return userView(row);
  }

  /** The first owner of a new tenant, in the tenant's own transaction (hash it first). */
  static async insertOwner(m: Parameters<typeof users.insertUser>[0], tenantId: string, u: Omit<NewUser, 'role' | 'password'>, passwordHash: string) {
    const row = await users.insertUser(m, { id: newId(), tenantId, email: normalEmail(u.email), name: u.name, role: 'owner', passwordHash });
    if (!row) throw errors.EMAIL_TAKEN();
    return row;
  }

  async update(caller: TenantCaller, id: string, patch: { name?: string; role?: Role; password?: string; disabled?: boolean }) {
    const passwordHash = patch.password === undefined ? undefined : await this.hasher.hash(patch.password);
    const row = await this.db.transaction(async (m) => {
      const owners = await users.lockOwners(m, caller.tenantId);
      const target = await users.findUser(m, caller.tenantId, id, true);
      if (!target) throw errors.USER_NOT_FOUND();
      if (!atLeast(caller.role, target.role)) throw errors.FORBIDDEN(`A ${caller.role} may not change a user who is ${target.role}.`);
      if (patch.role !== undefined && !atLeast(caller.role, patch.role)) throw errors.FORBIDDEN(`A ${caller.role} may not make a user ${patch.role}.`);
      const losesOwner = (patch.role !== undefined && patch.role !== 'owner') || patch.disabled === true;
      if (losesOwner && owners.length === 1 && owners[0] === target.id) throw errors.LAST_OWNER();
      const updated = await users.updateUser(m, id, { name: patch.name, role: patch.role, passwordHash, disabled: patch.disabled });
      if (passwordHash !== undefined || patch.disabled === true) await users.endSessionsOf(m, id);
      const revoked = patch.disabled === true ? await this.capKeysOf(m, caller.tenantId, id, undefined) : patch.role !== undefined ? await this.capKeysOf(m, caller.tenantId, id, patch.role) : [];
      return { updated, revoked };
    }).then(({ updated, revoked }) => {
      for (const k of revoked) this.keys?.invalidateKey(k);
      return updated;
    });
    this.sessions.invalidateWhere((s) => s.userId === id);
    return userView(row);
  }

  async delete(caller: TenantCaller, id: string): Promise<void> {
    await this.db.transaction(async (m) => {
      const owners = await users.lockOwners(m, caller.tenantId);
      const target = await users.findUser(m, caller.tenantId, id, true);
      if (!target) throw errors.USER_NOT_FOUND();
      if (!atLeast(caller.role, target.role)) throw errors.FORBIDDEN(`A ${caller.role} may not delete a user who is ${target.role}.`);
      if (owners.length === 1 && owners[0] === target.id) throw errors.LAST_OWNER();
      const revoked = await this.capKeysOf(m, caller.tenantId, id, undefined);
      await users.deleteUser(m, id);
      return revoked;
    }).then((revoked) => revoked.forEach((k) => this.keys?.invalidateKey(k)));
    this.sessions.invalidateWhere((s) => s.userId === id);
  }

  private async find(tenantId: string, id: string): Promise<UserRow> {
    const u = await users.findUser(this.db.manager, tenantId, id);
    if (!u) throw errors.USER_NOT_FOUND();
    return u;
  }
}
