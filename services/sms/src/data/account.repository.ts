import type { EntityManager } from 'typeorm';
import type { AccountSettings, ProviderName } from '../domain/sms-provider';

export interface AccountRow {
  tenant_id: string;
  provider: ProviderName;
  sender_id: string;
  status: 'active' | 'inactive';
  settings: AccountSettings;
  /** the secret part of the callback URL (random, rotatable) */
  callback_token: string | null;
  /** null: the defaults (DEFAULT_OPT_OUT_KEYWORDS) */
  opt_out_keywords: string[] | null;
  opt_out_reply_template_id: string | null;
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

  /** Writes the account; a new one gets `newToken` as its callback token, an existing one keeps its own. */
  async upsert(m: Q, a: Omit<AccountRow, 'updated_at' | 'callback_token'>, newToken: string): Promise<AccountRow> {
    const rows = (await m.query(
      `INSERT INTO accounts (tenant_id, provider, sender_id, status, settings, opt_out_keywords, opt_out_reply_template_id, callback_token) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)
       ON CONFLICT (tenant_id) DO UPDATE SET provider = EXCLUDED.provider, sender_id = EXCLUDED.sender_id,
         status = EXCLUDED.status, settings = EXCLUDED.settings, opt_out_keywords = EXCLUDED.opt_out_keywords,
         opt_out_reply_template_id = EXCLUDED.opt_out_reply_template_id,
         callback_token = COALESCE(accounts.callback_token, EXCLUDED.callback_token), updated_at = now()
       RETURNING *`,
      [a.tenant_id, a.provider, a.sender_id, a.status, JSON.stringify(a.settings), a.opt_out_keywords, a.opt_out_reply_template_id, newToken],
    )) as AccountRow[];
    return rows[0];
  },

  async rotateToken(m: Q, tenantId: string, token: string): Promise<AccountRow | undefined> {
    const [rows] = (await m.query(`UPDATE accounts SET callback_token = $2, updated_at = now() WHERE tenant_id = $1 RETURNING *`, [tenantId, token])) as [AccountRow[], number];
    return rows[0];
  },

  async findByToken(m: Q, token: string): Promise<AccountRow | undefined> {
    const rows = (await m.query(`SELECT * FROM accounts WHERE callback_token = $1`, [token])) as AccountRow[];
    return rows[0];
  },
};
