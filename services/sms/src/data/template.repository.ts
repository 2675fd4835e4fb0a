import { listPage, usages } from '@autocall/db';
import type { EntityManager } from 'typeorm';

export interface TemplateRow {
  id: string;
  tenant_id: string;
  name: string;
  content: string;
  variables: string[];
  encoding: 'GSM-7' | 'UCS-2';
  segments: number;
  status: 'pending' | 'approved' | 'rejected';
  rejection_reason: string | null;
  created_at: Date;
  updated_at: Date;
}

type Q = Pick<EntityManager, 'query'>;

export const templateRepository = {
  async insert(m: Q, t: Omit<TemplateRow, 'created_at' | 'updated_at'>): Promise<TemplateRow> {
    const [row] = (await m.query(
      `INSERT INTO templates (id, tenant_id, name, content, variables, encoding, segments, status, rejection_reason)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) RETURNING *`,
      [t.id, t.tenant_id, t.name, t.content, t.variables, t.encoding, t.segments, t.status, t.rejection_reason],
    )) as TemplateRow[];
    return row;
  },

  async find(m: Q, tenantId: string, id: string, lock = false): Promise<TemplateRow | undefined> {
    const rows = (await m.query(`SELECT * FROM templates WHERE id = $1 AND tenant_id = $2${lock ? ' FOR UPDATE' : ''}`, [id, tenantId])) as TemplateRow[];
    return rows[0];
  },

  async findAnyTenant(m: Q, id: string, lock = false): Promise<TemplateRow | undefined> {
    const rows = (await m.query(`SELECT * FROM templates WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id])) as TemplateRow[];
    return rows[0];
  },

  async list(m: Q, f: { tenantId?: string; name?: string; status?: string; page: number; pageSize: number }): Promise<{ rows: TemplateRow[]; total: number }> {
    return listPage(m, 'templates', f);
  },

  async update(m: Q, id: string, fields: Partial<Pick<TemplateRow, 'name' | 'content' | 'variables' | 'encoding' | 'segments' | 'status' | 'rejection_reason'>>): Promise<TemplateRow> {
    const sets: string[] = [];
    const params: unknown[] = [id];
    for (const [k, v] of Object.entries(fields)) sets.push(`${k} = $${params.push(v)}`);
    const [rows] = (await m.query(`UPDATE templates SET ${sets.join(', ')}, updated_at = now() WHERE id = $1 RETURNING *`, params)) as [TemplateRow[], number];
    return rows[0];
  },

  async remove(m: Q, id: string): Promise<void> {
    await m.query(`DELETE FROM templates WHERE id = $1`, [id]);
  },
};

/** Tasks' uses of templates (sms-template.reserve / release), checked by the edit and the delete. */
export const templateUsages = usages('template_usages', 'template_id');
