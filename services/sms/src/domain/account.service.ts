import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import type { DataSource } from 'typeorm';
import { accountRepository, type AccountRow, type AccountSettings } from '../data/account.repository';
import { smsErrors } from './errors';

const privateRanges = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) privateRanges.addSubnet(net, bits, 'ipv4');
// ::/96 also covers IPv4-compatible ::a.b.c.d; NAT64 and 6to4 can carry private IPv4 addresses
for (const [net, bits] of [['::', 96], ['::1', 128], ['64:ff9b::', 96], ['64:ff9b:1::', 48], ['2002::', 16], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8]] as const) privateRanges.addSubnet(net, bits, 'ipv6');

export function isPrivate(address: string): boolean {
  const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
  const mapped = family === 'ipv6' && address.toLowerCase().startsWith('::ffff:') ? address.slice(7) : undefined;
  if (mapped && isIP(mapped) === 4) return privateRanges.check(mapped, 'ipv4');
  return privateRanges.check(address, family);
}

/** Refuses provider URLs that reach inside the deployment (SSRF), unless allowed by config. */
export async function assertPublicUrl(raw: string): Promise<void> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw smsErrors.SMS_PROVIDER_SETTINGS_INVALID('settings.url is not a URL.');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw smsErrors.SMS_PROVIDER_SETTINGS_INVALID('settings.url must be http(s).');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const addresses = isIP(host) ? [host] : await lookup(host, { all: true }).then((r) => r.map((a) => a.address), () => [] as string[]);
  if (addresses.length === 0) throw smsErrors.SMS_PROVIDER_SETTINGS_INVALID(`settings.url host ${host} does not resolve.`);
  if (addresses.some(isPrivate) || host === 'localhost') throw smsErrors.SMS_PROVIDER_URL_FORBIDDEN();
}

/** The error a connection gets when its host resolves to an address {@link publicOnlyLookup} refuses. */
export const PRIVATE_ADDRESS = 'EPRIVATEADDRESS';

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `net.connect` lookup that refuses hosts resolving to any private address. Used for the connection
 * itself, so the address checked is the address connected to (no DNS-rebinding window between a check
 * and the request's own resolution).
 */
export function publicOnlyLookup(hostname: string, options: { all?: boolean; family?: number | string }, callback: LookupCallback): void {
  dnsLookup(hostname, { family: typeof options.family === 'number' ? options.family : 0, all: true }, (err, addresses) => {
    if (err) return callback(err, []);
    if (addresses.length === 0 || addresses.some((a) => isPrivate(a.address))) {
      return callback(Object.assign(new Error(`${hostname} resolves to a private address`), { code: PRIVATE_ADDRESS }), []);
    }
    if (options.all) callback(null, addresses);
    else callback(null, addresses[0].address, addresses[0].family);
  });
}

export interface AccountView {
  provider: 'simulated' | 'http';
  senderId: string | null;
  status: 'active' | 'inactive';
  settings: { url?: string; username?: string; timeoutMs?: number; passwordSet: boolean; apiKeySet: boolean } | null;
  updatedAt: string | null;
}

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

  async put(tenantId: string, input: { provider: 'simulated' | 'http'; senderId: string; status: 'active' | 'inactive'; settings?: AccountSettings }): Promise<AccountView> {
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
