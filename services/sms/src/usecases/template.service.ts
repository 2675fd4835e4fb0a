import type { DataSource } from 'typeorm';
import { SmsTemplateCreated, SmsTemplateDeleted, SmsTemplateUpdated, newId, type SmsTemplate } from '@autocall/contracts';
import { publishInTransaction, type OutboxRelay } from '@autocall/bus';
import { templateRepository as repo, templateUsages, type TemplateRow } from '../data/template.repository';
import { smsErrors } from '../domain/errors';
import { measureSms, parseTemplate, renderTemplate } from '../domain/template';

/** A template as the API shows it: the contract's `SmsTemplate` schema. */
export type TemplateView = SmsTemplate;

export const toView = (r: TemplateRow): TemplateView => ({
  id: r.id,
  name: r.name,
  content: r.content,
  variables: r.variables,
  encoding: r.encoding,
  segments: r.segments,
  status: r.status,
  rejectionReason: r.rejection_reason,
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
});

/** Template rules: parse, measure, approval policy, the in-use rule. */
export class TemplateService {
  constructor(
    private readonly db: DataSource,
    private readonly relay: OutboxRelay,
    private readonly approval: 'auto' | 'manual',
  ) {}

  private describe(content: string) {
    const variables = parseTemplate(content);
    const size = measureSms(content);
    return { variables, encoding: size.encoding, segments: size.segments };
  }

  async create(tenantId: string, input: { name: string; content: string }, requestId?: string): Promise<TemplateView> {
    const d = this.describe(input.content);
    const row = await this.db.transaction(async (m) => {
      const r = await repo.insert(m, {
        id: newId(),
        tenant_id: tenantId,
        name: input.name,
        content: input.content,
        ...d,
        status: this.approval === 'auto' ? 'approved' : 'pending',
        rejection_reason: null,
      });
      await publishInTransaction(m, SmsTemplateCreated, { tenantId, templateId: r.id, status: r.status, variables: r.variables }, { requestId });
      return r;
    });
    this.relay.nudge();
    return toView(row);
  }

  async get(tenantId: string, id: string): Promise<TemplateView> {
    const row = await repo.find(this.db.manager, tenantId, id);
    if (!row) throw smsErrors.TEMPLATE_NOT_FOUND();
    return toView(row);
  }

  list(tenantId: string, q: { page: number; pageSize: number; name?: string; status?: string }) {
    return repo.list(this.db.manager, { tenantId, ...q }).then(({ rows, total }) => ({ items: rows.map(toView), page: q.page, pageSize: q.pageSize, total }));
  }

  async update(tenantId: string, id: string, input: { name?: string; content?: string }, requestId?: string): Promise<TemplateView> {
    const row = await this.db.transaction(async (m) => {
      const current = await repo.find(m, tenantId, id, true);
      if (!current) throw smsErrors.TEMPLATE_NOT_FOUND();
      const fields: Parameters<typeof repo.update>[2] = {};
      if (input.name !== undefined) fields.name = input.name;
      if (input.content !== undefined && input.content !== current.content) {
        if (await templateUsages.inUse(m, id)) throw smsErrors.TEMPLATE_IN_USE();
        Object.assign(fields, this.describe(input.content), { content: input.content });
        if (this.approval === 'manual') Object.assign(fields, { status: 'pending', rejection_reason: null });
      }
      if (Object.keys(fields).length === 0) return current;
      const r = await repo.update(m, id, fields);
      await publishInTransaction(m, SmsTemplateUpdated, { tenantId, templateId: id, status: r.status, variables: r.variables }, { requestId });
      return r;
    });
    this.relay.nudge();
    return toView(row);
  }

  async remove(tenantId: string, id: string, requestId?: string): Promise<void> {
    await this.db.transaction(async (m) => {
      const current = await repo.find(m, tenantId, id, true);
      if (!current) throw smsErrors.TEMPLATE_NOT_FOUND();
      if (await templateUsages.inUse(m, id)) throw smsErrors.TEMPLATE_IN_USE();
      await repo.remove(m, id);
      await publishInTransaction(m, SmsTemplateDeleted, { tenantId, templateId: id }, { requestId });
    });
    this.relay.nudge();
  }

  async preview(tenantId: string, id: string, variables: Record<string, string | number | null>) {
    const t = await this.get(tenantId, id);
    const r = renderTemplate(t.content, variables);
    const size = measureSms(r.text);
    return { text: r.text, encoding: size.encoding, segments: size.segments, missingVariables: r.missingVariables };
  }

  adminList(q: { page: number; pageSize: number; status?: string }) {
    return repo.list(this.db.manager, q).then(({ rows, total }) => ({
      items: rows.map((r) => ({ ...toView(r), tenantId: r.tenant_id })),
      page: q.page,
      pageSize: q.pageSize,
      total,
    }));
  }

  async decide(id: string, decision: 'approved' | 'rejected', reason: string | null, requestId?: string): Promise<TemplateView> {
    const row = await this.db.transaction(async (m) => {
      const current = await repo.findAnyTenant(m, id, true);
      if (!current) throw smsErrors.TEMPLATE_NOT_FOUND();
      if (current.status === decision) return current; // a repeated decision changes nothing
      if (current.status !== 'pending') throw smsErrors.TEMPLATE_NOT_PENDING();
      const r = await repo.update(m, id, { status: decision, rejection_reason: decision === 'rejected' ? reason : null });
      await publishInTransaction(m, SmsTemplateUpdated, { tenantId: r.tenant_id, templateId: id, status: r.status, variables: r.variables }, { requestId });
      return r;
    });
    this.relay.nudge();
    return toView(row);
  }

  // ---- RPC side (task service) ----
  async lookup(tenantId: string, id: string) {
    const row = await repo.find(this.db.manager, tenantId, id);
    return row ? { found: true, status: row.status, variables: row.variables } : { found: false };
  }

  /**
   * Each template is locked, so a content edit (which makes it pending under manual approval) or a
   * delete either happens before — and the reserve is refused — or waits and sees the usage.
   */
  async reserve(tenantId: string, taskId: string, templateIds: string[], only = false) {
    await this.db.transaction(async (m) => {
      for (const id of templateIds) {
        const row = await repo.find(m, tenantId, id, true);
        if (!row) throw smsErrors.TEMPLATE_NOT_FOUND();
        if (row.status !== 'approved') throw smsErrors.TEMPLATE_NOT_APPROVED();
      }
      await templateUsages.reserve(m, tenantId, taskId, templateIds);
      if (only) await templateUsages.releaseExcept(m, tenantId, taskId, templateIds);
    });
    return { ok: true };
  }

  async release(tenantId: string, taskId: string) {
    await templateUsages.release(this.db.manager, tenantId, taskId);
    return { ok: true };
  }
}
