import type { DataSource } from 'typeorm';
import { publishInTransaction } from '@autocall/bus';
import { ContactPolicyUpdated, type ContactPolicyView } from '@autocall/contracts';

interface Row {
  max_calls: number | null;
  max_sms: number | null;
  updated_at: Date;
}

const view = (r: Row | undefined): ContactPolicyView => ({
  maxCallsPerNumberPerDay: r?.max_calls ?? null,
  maxSmsPerNumberPerDay: r?.max_sms ?? null,
  updatedAt: r?.updated_at.toISOString() ?? null,
});

/** The tenant's contact policy (dialer schema); replaced whole, published as contact-policy.updated. */
export class ContactPolicyRepository {
  constructor(private readonly db: DataSource) {}

  async get(tenantId: string): Promise<ContactPolicyView> {
    const [row] = (await this.db.query(`SELECT max_calls, max_sms, updated_at FROM contact_policies WHERE tenant_id = $1`, [tenantId])) as Row[];
    return view(row);
  }

  /** Replaces the policy and writes its contact-policy.updated to the outbox, in one transaction; `updatedAt` never goes back. */
  async put(tenantId: string, maxCalls: number | null, maxSms: number | null, requestId?: string): Promise<ContactPolicyView> {
    return this.db.transaction(async (m) => {
      const [row] = (await m.query(
        `INSERT INTO contact_policies (tenant_id, max_calls, max_sms) VALUES ($1, $2, $3)
         ON CONFLICT (tenant_id) DO UPDATE SET max_calls = EXCLUDED.max_calls, max_sms = EXCLUDED.max_sms,
                updated_at = GREATEST(clock_timestamp(), contact_policies.updated_at + interval '1 microsecond')
         RETURNING max_calls, max_sms, updated_at`,
        [tenantId, maxCalls, maxSms],
      )) as Row[];
      const v = view(row);
      await publishInTransaction(
        m,
        ContactPolicyUpdated,
        { tenantId, maxCallsPerNumberPerDay: v.maxCallsPerNumberPerDay, maxSmsPerNumberPerDay: v.maxSmsPerNumberPerDay, updatedAt: v.updatedAt! },
        { requestId },
      );
      return v;
    });
  }
}
