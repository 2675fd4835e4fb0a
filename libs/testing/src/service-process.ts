import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
// read at call time, so the index re-exporting this file is no import cycle at load
import { eventually, TEST_INTERNAL_TOKEN } from './index';

/** The repository's root (libs/testing/src or dist → three levels up). */
export const repoRoot = join(__dirname, '..', '..', '..');

/**
 * A service as its own process, as deployed (`node services/<name>/dist/main.js`; run `pnpm build`
 * first): for the tests that SIGKILL it or cut it off. Its output is kept to explain a failed start.
 */
export class ServiceProcess {
  proc?: ChildProcess;
  output = '';
  readonly url: string;

  constructor(
    readonly name: string,
    readonly port: number,
    private readonly env: Record<string, string>,
  ) {
    this.url = `http://127.0.0.1:${port}`;
  }

  /** Starts it and waits until `until` answers 200 (`none`: does not wait). */
  async start(until: '/health' | '/ready' | 'none' = '/ready'): Promise<this> {
    const proc = spawn(process.execPath, [join(repoRoot, `services/${this.name}/dist/main.js`)], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH, INTERNAL_TOKEN: TEST_INTERNAL_TOKEN, [`${this.name.toUpperCase()}_PORT`]: String(this.port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', LOG_FORMAT: 'json', ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.proc = proc;
    proc.stdout!.on('data', (d: Buffer) => (this.output += d.toString()));
    proc.stderr!.on('data', (d: Buffer) => (this.output += d.toString()));
    if (until !== 'none') {
      await eventually(async () => (await fetch(`${this.url}${until}`)).status === 200, 30_000, 100).catch((err: Error) => {
        throw new Error(`${err.message}; ${this.name} output:\n${this.output}`);
      });
    }
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

  /** A request on the internal API, as the gateway sends it for `tenantId`. */
  api(method: string, path: string, tenantId: string, body?: unknown): Promise<Response> {
    return fetch(`${this.url}${path}`, {
      method,
      headers: { 'x-internal-token': TEST_INTERNAL_TOKEN, 'x-autocall-tenant-id': tenantId, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
  }
}
