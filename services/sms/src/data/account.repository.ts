import type { EntityManager } from 'typeorm';
import type { AccountSettings, ProviderName } from '../domain/sms-provider';

export interface AccountRow {
  tenant_id: string;
  provider: ProviderName;
  sender_id: string;
  status: 'active' | 'inactive';
  settings: AccountSettings;
  updated_at: Date;
}

type Q = Pick<EntityManager, 'query'>;

export const accountRepository = {
  async find(m: Q, tenantId: string): Promise<AccountRow | undefined> {
    const rows = (await m.query(`SELECT * FROM accounts WHERE tenant_id = $1`, [tenantId])) as AccountRow[];
    return rows[0];
  },

  async findMany(m: Q, tenantIds: string[]): Promise<AccountRow[]> {
    return (await m.query(`SELECT * FROM accounts WHERE tenant_id = ANY($1::uuid[])`, [tenantIds])) as AccountRow[];
  },

  async upsert(m: Q, a: Omit<AccountRow, 'updated_at'>): Promise<AccountRow> {
    const rows = (await m.query(
      `INSERT INTO accounts (tenant_id, provider, sender_id, status, settings) VALUES ($1,$2,$3,$4,$5)
       ON CONFLICT (tenant_id) DO UPDATE SET provider = EXCLUDED.provider, sender_id = EXCLUDED.sender_id,
         status = EXCLUDED.status, settings = EXCLUDED.settings, updated_at = now()
       RETURNING *`,
      [a.tenant_id, a.provider, a.sender_id, a.status, JSON.stringify(a.settings)],
    )) as AccountRow[];
    return rows[0];
  },
};
