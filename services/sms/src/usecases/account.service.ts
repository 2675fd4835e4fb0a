import type { DataSource } from 'typeorm';
import type { SmsAccount } from '@autocall/contracts';
import { accountRepository, type AccountRow } from '../data/account.repository';
import { assertPublicUrl } from '../adapters/address-guard';
import { smsErrors } from '../domain/errors';
import type { AccountSettings, ProviderName } from '../domain/sms-provider';

/** The SMS account as the API shows it: the contract's `SmsAccount` schema. */
export type AccountView = SmsAccount;

/** Secrets are write-only: the view says whether they are set, never what they are. */
export function accountView(row: AccountRow | undefined): AccountView {
  if (!row) return { provider: 'simulated', senderId: null, status: 'inactive', settings: null, updatedAt: null };
  const s = row.settings ?? {};
  return {
    provider: row.provider,
    senderId: row.sender_id,
    status: row.status,
    settings: { url: s.url, username: s.username, timeoutMs: s.timeoutMs, passwordSet: Boolean(s.password), apiKeySet: Boolean(s.apiKey) },
    updatedAt: row.updated_at.toISOString(),
  };
}

/** Whether a provider cannot send without credentials (neither built-in one needs them: http may be open). */
const NEEDS_CREDENTIALS: Record<AccountRow['provider'], boolean> = { simulated: false, http: false };

/**
 * The provider destination the stored secrets were given for: they follow a PUT only while it stays
 * the same, so whoever may edit the account cannot point the provider elsewhere and receive them.
 */
const destination = (provider: string, settings: AccountSettings | undefined) => `${provider}\u0000${settings?.url ?? ''}`;

export class AccountService {
  constructor(
    private readonly db: DataSource,
    private readonly allowPrivate: boolean,
    /** Longest provider timeout an account may ask for: a third of the sender's lease (SMS_SEND_LEASE_MS). */
    private readonly maxTimeoutMs: number,
  ) {}

  async get(tenantId: string): Promise<AccountView> {
    return accountView(await accountRepository.find(this.db.manager, tenantId));
  }

  /** Reads the stored account, secrets included: for the provider adapters only. */
  find(tenantId: string) {
    return accountRepository.find(this.db.manager, tenantId);
  }

  async put(tenantId: string, input: { provider: ProviderName; senderId: string; status: 'active' | 'inactive'; settings?: AccountSettings }): Promise<AccountView> {
    const previous = await accountRepository.find(this.db.manager, tenantId);
    const settings: AccountSettings = { ...(input.settings ?? {}) };
    if (settings.timeoutMs !== undefined && settings.timeoutMs > this.maxTimeoutMs) {
      throw smsErrors.SMS_PROVIDER_SETTINGS_INVALID(`settings.timeoutMs must be at most ${this.maxTimeoutMs} ms (a third of the send lease).`);
    }
    // A PUT that leaves a secret out keeps the stored one (write-only fields are never read back to
    // resend), but only for the same provider at the same URL: a new destination gets no old secret.
    if (previous && destination(previous.provider, previous.settings) === destination(input.provider, settings)) {
      if (settings.password === undefined && previous.settings.password) settings.password = previous.settings.password;
      if (settings.apiKey === undefined && previous.settings.apiKey) settings.apiKey = previous.settings.apiKey;
    } else if (previous && (previous.settings?.password || previous.settings?.apiKey)) {
      const resent = settings.password !== undefined || settings.apiKey !== undefined;
      // a username alone would send basic auth without its password to the new destination
      if (!resent && (NEEDS_CREDENTIALS[input.provider] || settings.username !== undefined)) {
        throw smsErrors.SMS_PROVIDER_SETTINGS_INVALID('The provider or settings.url changed: the stored credentials were dropped; send settings.password or settings.apiKey again.');
      }
    }
    if (input.provider === 'http') {
      if (!settings.url) throw smsErrors.SMS_PROVIDER_SETTINGS_INVALID();
      // credentials belong in the write-only fields, never in a URL the API shows back
      if (/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i.test(settings.url)) throw smsErrors.SMS_PROVIDER_SETTINGS_INVALID('settings.url must not carry credentials: use settings.username/password or settings.apiKey.');
      if (!this.allowPrivate) await assertPublicUrl(settings.url);
    }
    const row = await accountRepository.upsert(this.db.manager, { tenant_id: tenantId, provider: input.provider, sender_id: input.senderId, status: input.status, settings });
    return accountView(row);
  }
}
