import { request, type Agent } from 'undici';
import { guardedAgent, hostMayBePublic, isPrivateAddressError } from '@autocall/net-guard';
import { excerpt, type AttemptOutcome, type WebhookSender } from '../domain/delivery';

export interface SenderOptions {
  /** Private, loopback and link-local receivers allowed (WEBHOOK_ALLOW_PRIVATE). */
  allowPrivate: boolean;
  timeoutMs: number;
  /** The most of an answer read; more is a failed attempt. */
  maxResponseBytes: number;
}

const fail = (statusCode: number | null, error: string): AttemptOutcome => ({ delivered: false, statusCode, error });

/**
 * Posts webhook bodies through the public-address guard: the host is resolved by the connection
 * itself and refused if private (DNS pinned), redirects are answers (never followed), the whole
 * exchange — headers and body — has `timeoutMs`, and at most `maxResponseBytes` of the answer are
 * read. Every way a receiver can misbehave is a failed attempt with its reason, never a hang.
 */
export class HttpWebhookSender implements WebhookSender {
  private readonly dispatcher: Agent;

  constructor(private readonly opts: SenderOptions) {
    this.dispatcher = guardedAgent({ allowPrivate: opts.allowPrivate });
  }

  async close(): Promise<void> {
    await this.dispatcher.close().catch(() => undefined);
  }

  async post(url: string, headers: Record<string, string>, body: string, stop: AbortSignal): Promise<AttemptOutcome> {
    if (!this.opts.allowPrivate && !hostMayBePublic(url)) return fail(null, 'The URL is not allowed (a private, loopback or link-local address).');
    const { timeoutMs } = this.opts;
    const signal = AbortSignal.any([stop, AbortSignal.timeout(timeoutMs)]);
    let statusCode: number | null = null;
    try {
      const res = await request(url, { method: 'POST', headers: { ...headers, 'user-agent': 'autocall-webhooks/1' }, body, signal, dispatcher: this.dispatcher, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
      statusCode = res.statusCode;
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of res.body) {
        size += (chunk as Buffer).length;
        if (size > this.opts.maxResponseBytes) {
          res.body.destroy();
          return fail(statusCode, `The answer (status ${statusCode}) was longer than ${this.opts.maxResponseBytes} bytes.`);
        }
        if (size <= 1024) chunks.push(chunk as Buffer);
      }
      if (statusCode >= 200 && statusCode < 300) return { delivered: true, statusCode, error: null };
      const text = excerpt(Buffer.concat(chunks).toString('utf8'));
      if (statusCode >= 300 && statusCode < 400) return fail(statusCode, `Redirect (${statusCode}) not followed.`);
      return fail(statusCode, `The receiver answered ${statusCode}${text ? `: ${text}` : '.'}`);
    } catch (err) {
      return fail(statusCode, this.reason(err, stop, statusCode !== null));
    }
  }

  private reason(err: unknown, stop: AbortSignal, answering: boolean): string {
    const e = err as Error & { code?: string; cause?: { code?: string } };
    if (stop.aborted) return 'The sender stopped before the answer (shutdown).';
    if (isPrivateAddressError(e)) return 'The host resolves to a private, loopback or link-local address.';
    if (e.name === 'TimeoutError' || e.name === 'AbortError' || e.code === 'UND_ERR_HEADERS_TIMEOUT' || e.code === 'UND_ERR_BODY_TIMEOUT') {
      return `No complete answer within ${this.opts.timeoutMs} ms.`;
    }
    const code = e.code ?? e.cause?.code;
    if (code === 'UND_ERR_SOCKET' || code === 'ECONNRESET' || code === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH') return answering ? 'The connection closed in the middle of the answer.' : 'The connection closed before an answer.';
    if (code === 'ECONNREFUSED') return 'The connection was refused.';
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'The host does not resolve.';
    return `The request failed${code ? ` (${code})` : ''}.`;
  }
}
