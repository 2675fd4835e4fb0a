import type { ContactPolicyView } from '@autocall/contracts';
import type { ContactPolicyRepository } from '../data/contact-policy.repository';

/** The tenant's caps per number per local day: read, and replaced whole (the schema checks 1–10 or null first). */
export class ContactPolicy {
  constructor(
    private readonly repo: ContactPolicyRepository,
    /** Published: look for work now (a raised or lifted cap frees numbers only at their next due time). */
    private readonly nudgeOutbox: () => void,
  ) {}

  get(tenantId: string): Promise<ContactPolicyView> {
    return this.repo.get(tenantId);
  }

  async put(tenantId: string, body: { maxCallsPerNumberPerDay: number | null; maxSmsPerNumberPerDay: number | null }, requestId?: string): Promise<ContactPolicyView> {
    const v = await this.repo.put(tenantId, body.maxCallsPerNumberPerDay, body.maxSmsPerNumberPerDay, requestId);
    this.nudgeOutbox();
    return v;
  }
}
