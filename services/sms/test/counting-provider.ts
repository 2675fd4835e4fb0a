import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';

export interface ProviderRequest {
  messageId: string;
  to: string;
  idempotencyKey: string | undefined;
  headers: IncomingHttpHeaders;
  /** when the request arrived and when it was answered (Date.now()); `end` undefined while open */
  start: number;
  end?: number;
}

/**
 * A local SMS provider for the tests: it does NOT deduplicate (every request counts, as a provider
 * that ignores Idempotency-Key would deliver each one) and records every request with its times.
 * `answer` decides per request: the status and how long to wait before answering (after `hold`, if given).
 */
export class CountingProvider {
  private server?: Server;
  url = '';
  readonly requests: ProviderRequest[] = [];
  answer: (req: ProviderRequest) => { status: number; delayMs?: number; hold?: Promise<unknown> } = () => ({ status: 200 });

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      let raw = '';
      req.on('data', (c: Buffer) => (raw += c.toString()));
      req.on('end', () => {
        let body: Record<string, unknown> = {};
        try {
          body = JSON.parse(raw) as Record<string, unknown>;
        } catch {
          // counted all the same
        }
        const r: ProviderRequest = { messageId: String(body.messageId), to: String(body.to), idempotencyKey: req.headers['idempotency-key'] as string | undefined, headers: req.headers, start: Date.now() };
        this.requests.push(r);
        // answered, or given up by the client (its timeout): either way the request is over
        res.on('close', () => (r.end ??= Date.now()));
        const { status, delayMs = 0, hold } = this.answer(r);
        void Promise.resolve(hold).then(() =>
          setTimeout(() => {
            if (res.destroyed) return;
            res.writeHead(status, { 'content-type': 'application/json' });
            res.end(JSON.stringify({ ok: status < 300 }));
          }, delayMs),
        );
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}/sms`;
    return this;
  }

  private child?: ChildProcess;

  /**
   * Runs the provider as a process of its own (answering 200 at once), for tests whose own process
   * is busy running the platform: `refresh()` then fetches what it recorded into `requests`.
   */
  async startProcess(): Promise<this> {
    const child = spawn(process.execPath, [join(__dirname, 'counting-provider-process.mjs')], { stdio: ['ignore', 'pipe', 'inherit'] });
    this.child = child;
    const port = await new Promise<string>((resolve, reject) => {
      child.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim()));
      child.once('exit', (code) => reject(new Error(`counting provider exited (${code})`)));
    });
    this.url = `http://127.0.0.1:${port}/sms`;
    return this;
  }

  /** The recorded requests of a provider started with startProcess(). */
  async refresh(): Promise<ProviderRequest[]> {
    if (!this.child) return this.requests;
    const list = (await (await fetch(this.url.replace(/\/sms$/, '/requests'))).json()) as (Omit<ProviderRequest, 'headers'> & { authorization?: string })[];
    this.requests.splice(0, this.requests.length, ...list.map((r) => ({ ...r, headers: { authorization: r.authorization } })));
    return this.requests;
  }

  /** Requests per message id. */
  counts(): Map<string, number> {
    const m = new Map<string, number>();
    for (const r of this.requests) m.set(r.messageId, (m.get(r.messageId) ?? 0) + 1);
    return m;
  }

  /** Pairs of requests for one message id that were open at the same time. */
  overlaps(): [ProviderRequest, ProviderRequest][] {
    const out: [ProviderRequest, ProviderRequest][] = [];
    const byId = new Map<string, ProviderRequest[]>();
    for (const r of this.requests) byId.set(r.messageId, [...(byId.get(r.messageId) ?? []), r]);
    for (const list of byId.values()) {
      const sorted = [...list].sort((a, b) => a.start - b.start);
      for (let i = 1; i < sorted.length; i++) if ((sorted[i - 1].end ?? Infinity) > sorted[i].start) out.push([sorted[i - 1], sorted[i]]);
    }
    return out;
  }

  async stop(): Promise<void> {
    if (this.child && this.child.exitCode === null) {
      const exited = new Promise((r) => this.child!.once('exit', r));
      this.child.kill();
      await exited;
    }
    this.server?.closeAllConnections();
    await new Promise((r) => (this.server ? this.server.close(r) : r(undefined)));
  }
}

