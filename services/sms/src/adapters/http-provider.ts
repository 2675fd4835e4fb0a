import { request, type Agent } from 'undici';
import { guardedAgent, hostMayBePublic, isPrivateAddressError } from '@autocall/net-guard';
import type { AccountSettings, OutgoingSms, SendOutcome, SmsProvider } from '../domain/sms-provider';

export interface HttpProviderOptions {
  /** Allow private, loopback and link-local provider addresses (checked again at every send). */
  allowPrivate: boolean;
  /** Timeout when the account sets none. */
  defaultTimeoutMs: number;
  /** Upper bound for any timeout: kept below the sender's lease so a slow send is never sent twice. */
  maxTimeoutMs: number;
}

/**
 * A configurable HTTP provider: POST {to, from, text, messageId} as JSON to settings.url, with a
 * bearer apiKey or basic auth, and the message id as `Idempotency-Key` too so the provider can
 * drop a repeated send. 2xx = sent; 408, 429 and 5xx, timeouts and network errors = retry; any
 * other answer = failed for good. Reasons name the status only: never the body or a credential.
 */
export class HttpProvider implements SmsProvider {
  /** Without allowPrivate, connections resolve their host through the guard's lookup: the address checked is the one used. */
  private readonly dispatcher?: Agent;

  constructor(private readonly opts: HttpProviderOptions) {
    if (!opts.allowPrivate) this.dispatcher = guardedAgent({ allowPrivate: false });
  }

  async close(): Promise<void> {
    await this.dispatcher?.close();
  }

  async send(sms: OutgoingSms, settings: AccountSettings): Promise<SendOutcome> {
    if (!settings.url) return { status: 'failed', retryable: false, reason: 'http provider has no url' };
    if (!this.opts.allowPrivate && !hostMayBePublic(settings.url)) return NOT_ALLOWED;
    const timeoutMs = Math.min(settings.timeoutMs ?? this.opts.defaultTimeoutMs, this.opts.maxTimeoutMs);
    const headers: Record<string, string> = { 'content-type': 'application/json', 'idempotency-key': sms.messageId };
    if (settings.apiKey) headers.authorization = `Bearer ${settings.apiKey}`;
    else if (settings.username !== undefined || settings.password !== undefined) {
      headers.authorization = `Basic ${Buffer.from(`${settings.username ?? ''}:${settings.password ?? ''}`).toString('base64')}`;
    }
    try {
      const res = await request(settings.url, {
        method: 'POST',
        headers,
        body: JSON.stringify({ to: sms.to, from: sms.from, text: sms.text, messageId: sms.messageId }),
        signal: AbortSignal.timeout(timeoutMs),
        dispatcher: this.dispatcher,
      }); // undici's request never follows redirects: a 3xx is a permanent failure, not a hop elsewhere
      await res.body.dump().catch(() => undefined);
      const code = res.statusCode;
      if (code >= 200 && code < 300) return { status: 'sent' };
      const retryable = code >= 500 || code === 408 || code === 429;
      return { status: 'failed', retryable, reason: `provider answered ${code}` };
    } catch (err) {
      const e = err as Error & { code?: string; cause?: { code?: string } };
      if (isPrivateAddressError(e)) return NOT_ALLOWED;
      if (e.name === 'TimeoutError' || e.name === 'AbortError') return { status: 'failed', retryable: true, reason: `provider did not answer within ${timeoutMs} ms` };
      return { status: 'failed', retryable: true, reason: `provider unreachable${e.code ? `: ${e.code}` : ''}` };
    }
  }
}

const NOT_ALLOWED: SendOutcome = { status: 'failed', retryable: false, reason: 'provider url is not allowed (private address or unresolvable)' };
