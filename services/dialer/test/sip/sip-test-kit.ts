import dgram from 'node:dgram';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@autocall/logger';
import type { DialRequest } from '../../src/domain/carrier';
import { SipCarrier, type SipCallStats, type SipCarrierConfig } from '../../src/adapters/sip';
import { type SipRequest, parseSipMessage, serializeResponse } from '../../src/adapters/sip/sip-message';

export const scenario = (name: string): string => join(__dirname, 'scenarios', `${name}.xml`);

export const sippInstalled = spawnSync('sipp', ['-v']).error === undefined;

/** `length` bytes of μ-law noise: the content does not matter, only its 20 ms framing does. */
export function ulaw(ms: number): Buffer {
  const buf = Buffer.alloc((ms * 8000) / 1000);
  for (let i = 0; i < buf.length; i++) buf[i] = (i * 37) & 0xff;
  return buf;
}

let attempt = 0;
export function dialRequest(opts: { port: number; ms?: number; ringTimeoutSeconds?: number }): DialRequest {
  const audio = ulaw(opts.ms ?? 1000);
  return {
    attemptId: `attempt-${++attempt}`,
    phone: '+6287630021323',
    attempt: 1,
    callerId: null,
    ringTimeoutSeconds: opts.ringTimeoutSeconds ?? 10,
    recording: { id: `rec-${opts.ms ?? 1000}`, durationMs: opts.ms ?? 1000, loadUlaw: () => Promise.resolve(audio) },
  };
}

/** A carrier pointed at 127.0.0.1:`port`, collecting per-call stats. */
export function testCarrier(port: number, overrides: Partial<SipCarrierConfig> = {}): { carrier: SipCarrier; stats: SipCallStats[] } {
  const stats: SipCallStats[] = [];
  const carrier = new SipCarrier({
    trunkHost: '127.0.0.1',
    trunkPort: port,
    from: 'sip:autocall@127.0.0.1',
    localPort: 0,
    localHost: '127.0.0.1',
    rtpPortMin: 16000,
    rtpPortMax: 16399,
    logger: createLogger('sip-test', process.env.SIP_TEST_LOG ?? 'silent'),
    t1Ms: 100,
    hangupDelayMs: 100,
    onCallStats: (s) => stats.push(s),
    ...overrides,
  });
  return { carrier, stats };
}

export interface SippRun {
  exit: Promise<{ code: number | null; output: string }>;
}

/** Starts one SIPp UAS for one call (or `calls`) under coreutils `timeout`, and resolves once its port is bound. */
export async function startSipp(name: string, port: number, opts: { mediaPort: number; rtpEcho?: boolean; timeoutSeconds?: number; calls?: number }): Promise<SippRun> {
  const args = [
    String(opts.timeoutSeconds ?? 20),
    'sipp',
    '-sf',
    name.endsWith('.xml') ? name : scenario(name),
    '-i',
    '127.0.0.1',
    '-p',
    String(port),
    '-mp',
    String(opts.mediaPort),
    '-m',
    String(opts.calls ?? 1),
    '-nostdin',
    ...(opts.rtpEcho ? ['-rtp_echo'] : []),
    ...(process.env.SIPP_TRACE ? ['-trace_msg'] : []),
  ];
  const child = spawn('timeout', args, { cwd: tmpdir(), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exit = new Promise<{ code: number | null; output: string }>((resolve) => child.on('close', (code) => resolve({ code, output })));
  await waitForBound(port, exit);
  return { exit };
}

/**
 * Whether some socket holds the UDP port, read from the kernel's table. Not by binding it ourselves:
 * a probe that binds can hold the port at the moment SIPp binds it, and SIPp then exits at once.
 */
export function udpPortBound(port: number): boolean {
  const suffix = ':' + port.toString(16).toUpperCase().padStart(4, '0');
  for (const table of ['/proc/net/udp', '/proc/net/udp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) if (line.trim().split(/\s+/)[1]?.endsWith(suffix)) return true;
  }
  return false;
}

/** Waits until SIPp holds its port; throws with SIPp's output if it exited instead. */
async function waitForBound(port: number, exited: Promise<{ code: number | null; output: string }>): Promise<void> {
  let gone: { code: number | null; output: string } | undefined;
  void exited.then((e) => (gone = e));
  for (let i = 0; i < 200 && !gone; i++) {
    if (udpPortBound(port)) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  if (gone) throw new Error(`sipp exited at once (${String(gone.code)}): ${gone.output.slice(-2000)}`);
}

/** A scripted SIP peer over a plain UDP socket, for the edges SIPp cannot easily produce. */
export class FakePeer {
  readonly received: { msg: ReturnType<typeof parseSipMessage>; at: number; from: dgram.RemoteInfo }[] = [];
  private waiters: (() => void)[] = [];
  private constructor(readonly socket: dgram.Socket) {
    socket.on('message', (buf, from) => {
      this.received.push({ msg: parseSipMessage(buf), at: Date.now(), from });
      this.waiters.splice(0).forEach((w) => w());
    });
  }

  static async start(port = 0): Promise<FakePeer> {
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(port, '127.0.0.1', () => resolve()));
    return new FakePeer(socket);
  }

  get port(): number {
    return this.socket.address().port;
  }

  requests(method: string): SipRequest[] {
    return this.received.flatMap((r) => (r.msg?.kind === 'request' && r.msg.method === method ? [r.msg] : []));
  }

  /** The `n`th (1-based) request of `method`, waiting for it up to `timeoutMs`. */
  async next(method: string, n = 1, timeoutMs = 5000): Promise<{ req: SipRequest; from: dgram.RemoteInfo }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.received.filter((r) => r.msg?.kind === 'request' && r.msg.method === method)[n - 1];
      if (found) return { req: found.msg as SipRequest, from: found.from };
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${method} #${n} within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  respond(
    req: SipRequest,
    from: dgram.RemoteInfo,
    status: number,
    reason: string,
    opts: Parameters<typeof serializeResponse>[3] = {},
  ): void {
    this.socket.send(serializeResponse(req, status, reason, { toTag: 'peer1', ...opts }), from.port, from.address);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}
