import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { DEFAULT_OPT_OUT_KEYWORDS, type SmsAccount } from '@autocall/contracts';
import { senderIdValid } from '../domain/reply';
import { templateRepository } from '../data/template.repository';
import { accountRepository, type AccountRow } from '../data/account.repository';
import { assertPublicUrl } from '../adapters/address-guard';
import { smsErrors } from '../domain/errors';
import type { AccountSettings, ProviderName } from '../domain/sms-provider';

/** The SMS account as the API shows it: the contract's `SmsAccount` schema. */
export type AccountView = SmsAccount;

/** How long a replica keeps a callback token's account (a rotation elsewhere takes effect within it). */
export const TOKEN_CACHE_MS = 1000;

/** A fresh callback token: 32 random bytes, base64url. */
export const newCallbackToken = () => randomBytes(32).toString('base64url');

/** The account's opt-out keywords (the defaults until it sets its own). */
export const optOutKeywordsOf = (row: Pick<AccountRow, 'opt_out_keywords'> | undefined): string[] => row?.opt_out_keywords ?? DEFAULT_OPT_OUT_KEYWORDS;

/** Secrets are write-only: the view says whether they are set, never what they are. */
export function accountView(row: AccountRow | undefined, publicBaseUrl: string): AccountView {
  if (!row) return { provider: 'simulated', senderId: null, status: 'inactive', settings: null, callbackUrl: null, optOutKeywords: optOutKeywordsOf(undefined), optOutReplyTemplateId: null, updatedAt: null };
  const s = row.settings ?? {};
  return {
    provider: row.provider,
    senderId: row.sender_id,
    status: row.status,
    settings: { url: s.url, username: s.username, timeoutMs: s.timeoutMs, passwordSet: Boolean(s.password), apiKeySet: Boolean(s.apiKey), callbackSecretSet: Boolean(s.callbackSecret) },
    callbackUrl: row.callback_token ? `${publicBaseUrl.replace(/\/+$/, '')}/v1/sms-callbacks/${row.callback_token}` : null,
    optOutKeywords: optOutKeywordsOf(row),
    optOutReplyTemplateId: row.opt_out_reply_template_id,
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
    /** PUBLIC_BASE_URL: the gateway's public address, the start of every callback URL. */
    private readonly publicBaseUrl: string,
  ) {}

  async get(tenantId: string): Promise<AccountView> {
    return accountView(await accountRepository.find(this.db.manager, tenantId), this.publicBaseUrl);
  }

  /** A new callback URL; the old token stops working at once. */
  async rotateCallbackToken(tenantId: string): Promise<AccountView> {
    const row = await accountRepository.rotateToken(this.db.manager, tenantId, newCallbackToken());
    this.forget();
    if (!row) throw smsErrors.SMS_ACCOUNT_NOT_SET();
    return accountView(row, this.publicBaseUrl);
  }

  /** Accounts by callback token, for TOKEN_CACHE_MS: a provider posting thousands of receipts a second costs one lookup per token, not one each. */
  private readonly byToken = new Map<string, { at: number; account: Promise<AccountRow | undefined> }>();

  /**
   * The account a callback token names, or undefined (the caller answers 404 alike for every
   * unknown token). Kept for TOKEN_CACHE_MS: a rotation or PUT on this replica forgets the tenant's
   * entries at once; another replica follows within that time.
   */
  byCallbackToken(token: string): Promise<AccountRow | undefined> {
    const now = Date.now();
    const hit = this.byToken.get(token);
    if (hit && now - hit.at < TOKEN_CACHE_MS) return hit.account;
    if (this.byToken.size >= 10_000) this.byToken.clear(); // bounded: unknown tokens cannot grow it
    const account = accountRepository.findByToken(this.db.manager, token);
    this.byToken.set(token, { at: now, account });
    account.catch(() => this.byToken.delete(token));
    return account;
  }

  /** After a change of an account on this replica: every cached token is looked up again (rare, and simplest). */
  private forget(): void {
    this.byToken.clear();
  }

  /** Reads the stored account, secrets included: for the provider adapters only. */
  find(tenantId: string) {
    return accountRepository.find(this.db.manager, tenantId);
  }

  async put(
    tenantId: string,
    input: { provider: ProviderName; senderId: string; status: 'active' | 'inactive'; settings?: AccountSettings; optOutKeywords?: string[]; optOutReplyTemplateId?: string | null },
  ): Promise<AccountView> {
    if (!senderIdValid(input.senderId)) throw smsErrors.SENDER_ID_INVALID();
    const previous = await accountRepository.find(this.db.manager, tenantId);
    const settings: AccountSettings = { ...(input.settings ?? {}) };
    if (settings.callbackSecret === undefined && previous?.settings?.callbackSecret) settings.callbackSecret = previous.settings.callbackSecret;
    const keywords = input.optOutKeywords !== undefined ? [...new Set(input.optOutKeywords.map((k) => k.trim()).filter((k) => k !== ''))] : (previous?.opt_out_keywords ?? null);
    const replyTemplateId = input.optOutReplyTemplateId !== undefined ? input.optOutReplyTemplateId : (previous?.opt_out_reply_template_id ?? null);
    if (replyTemplateId) {
      const t = await templateRepository.find(this.db.manager, tenantId, replyTemplateId);
      if (!t) throw smsErrors.TEMPLATE_NOT_FOUND();
      if (t.status !== 'approved') throw smsErrors.TEMPLATE_NOT_APPROVED();
    }
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
    const row = await accountRepository.upsert(
      this.db.manager,
      { tenant_id: tenantId, provider: input.provider, sender_id: input.senderId, status: input.status, settings, opt_out_keywords: keywords, opt_out_reply_template_id: replyTemplateId },
      newCallbackToken(),
    );
    this.forget();
    return accountView(row, this.publicBaseUrl);
  }
}
