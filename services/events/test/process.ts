import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { eventually, TEST_INTERNAL_TOKEN } from '@autocall/testing';

const root = join(__dirname, '..', '..', '..');

/** The events service as its own process, as deployed (`node services/events/dist/main.js`; run `pnpm build` first). */
export class EventsProcess {
  proc?: ChildProcess;
  output = '';
  readonly url: string;

  constructor(
    readonly port: number,
    private readonly env: Record<string, string>,
  ) {
    this.url = `http://127.0.0.1:${port}`;
  }

  async start(): Promise<this> {
    const proc = spawn(process.execPath, [join(root, 'services/events/dist/main.js')], {
      cwd: root,
      env: { PATH: process.env.PATH, INTERNAL_TOKEN: TEST_INTERNAL_TOKEN, EVENTS_PORT: String(this.port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', LOG_FORMAT: 'json', ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.proc = proc;
    proc.stdout!.on('data', (d: Buffer) => (this.output += d.toString()));
    proc.stderr!.on('data', (d: Buffer) => (this.output += d.toString()));
    await eventually(async () => (await fetch(`${this.url}/health`)).status === 200, 30_000, 100).catch((err: Error) => {
      throw new Error(`${err.message}; events output:\n${this.output}`);
    });
    return this;
  }

  /** SIGKILL: no graceful stop, leases left as they were. */
  async kill(): Promise<void> {
    const proc = this.proc;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGKILL');
    await exited;
  }

  api(method: string, path: string, tenantId: string, body?: unknown): Promise<Response> {
    return fetch(`${this.url}${path}`, {
      method,
      headers: { 'x-internal-token': TEST_INTERNAL_TOKEN, 'x-autocall-tenant-id': tenantId, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
  }
}
