import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { eventually, TEST_INTERNAL_TOKEN } from '@autocall/testing';

export const root = join(__dirname, '..', '..', '..');

export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const p = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return p;
}

/** The sms service as its own process, as deployed (`node services/sms/dist/main.js`; run `pnpm build` first). */
export class SmsProcess {
  proc?: ChildProcess;
  output = '';
  readonly url: string;

  constructor(
    readonly port: number,
    private readonly env: Record<string, string>,
  ) {
    this.url = `http://127.0.0.1:${port}`;
  }

  async start(waitReady = true): Promise<this> {
    const proc = spawn(process.execPath, [join(root, 'services/sms/dist/main.js')], {
      cwd: root,
      env: { PATH: process.env.PATH, INTERNAL_TOKEN: TEST_INTERNAL_TOKEN, SMS_PORT: String(this.port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', LOG_FORMAT: 'json', ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.proc = proc;
    proc.stdout!.on('data', (d: Buffer) => (this.output += d.toString()));
    proc.stderr!.on('data', (d: Buffer) => (this.output += d.toString()));
    if (waitReady) {
      await eventually(async () => (await fetch(`${this.url}/ready`)).status === 200, 30_000, 100).catch((err: Error) => {
        throw new Error(`${err.message}; sms output:\n${this.output}`);
      });
    }
    return this;
  }

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
