import type { DataSource } from 'typeorm';
import { decodeCursor, encodeCursor, newId } from '@autocall/contracts';
import { auditRepository as repo, type AuditFilter, type AuditRow } from '../data/audit.repository';
import type { Actor } from '../domain/caller';

export interface AuditEntry {
  tenantId: string | null;
  actor: Actor;
  action: string;
  resource: { type: string | null; id: string | null };
  requestId: string;
  ip: string;
  userAgent: string | null;
}

/** A page of the log: the repository's filters, with the client's cursor for the keyset. */
export type AuditQuery = Omit<AuditFilter, 'before'> & { cursor?: string };

const view = (r: AuditRow) => ({
  id: r.id,
  at: r.at.toISOString(),
  tenantId: r.tenant_id,
  actor: { type: r.actor_type, id: r.actor_id, label: r.actor_label },
  action: r.action,
  resource: { type: r.resource_type, id: r.resource_id },
  status: r.status,
  requestId: r.request_id,
  ip: r.ip,
  userAgent: r.user_agent,
});

const userAgentOf = (ua: string | null) => (ua === null ? null : ua.slice(0, 512));

/**
 * The audit log. A changing request is recorded `pending` (status null) before it runs and settled
 * with its status once answered: a crash in between leaves a pending record, never none.
 */
export class AuditService {
  constructor(private readonly db: DataSource) {}

  /** Writes the pending record; its id, to settle it with. */
  async begin(e: AuditEntry): Promise<string> {
    const id = newId();
    await repo.insert(this.db.manager, this.row(id, e, null));
    return id;
  }

  async settle(id: string, status: number, resourceId: string | null): Promise<void> {
    await repo.settle(this.db.manager, id, status, resourceId);
  }

  /** A record made whole at once (a login, a failed login). */
  async record(e: AuditEntry, status: number): Promise<void> {
    await repo.insert(this.db.manager, this.row(newId(), e, status));
  }

  /** What the platform did by itself (actor `system`), under an id of the message's, so that a redelivery records nothing more. */
  async recordSystem(id: string, e: { tenantId: string; action: string; resource: { type: string; id: string | null } }, requestId: string | undefined): Promise<void> {
    const row = this.row(id, { ...e, actor: { type: 'system', id: null, label: 'system' }, requestId: requestId ?? null, ip: null, userAgent: null }, null);
    await repo.insert(this.db.manager, row, true);
  }

  async list(q: AuditQuery) {
    const key = decodeCursor('audit-events', q.cursor, 2) as [string, string] | undefined;
    const rows = await repo.list(this.db.manager, { ...q, before: key, limit: q.limit + 1 });
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    return { items: page.map(view), nextCursor: rows.length > q.limit && last ? encodeCursor('audit-events', [last.at.toISOString(), last.id]) : null };
  }

  async purge(retentionDays: number): Promise<void> {
    await repo.purgeOlderThan(this.db.manager, retentionDays);
  }

  private row(id: string, e: Omit<AuditEntry, 'requestId' | 'ip'> & { requestId: string | null; ip: string | null }, status: number | null) {
    return {
      id,
      tenant_id: e.tenantId,
      actor_type: e.actor.type,
      actor_id: e.actor.id,
      actor_label: e.actor.label,
      action: e.action,
      resource_type: e.resource.type,
      resource_id: e.resource.id,
      status,
      request_id: e.requestId,
      ip: e.ip,
      user_agent: userAgentOf(e.userAgent),
    };
  }
}
