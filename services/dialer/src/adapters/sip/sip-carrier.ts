import dgram from 'node:dgram';
import type { Logger } from '@autocall/logger';
import { type Carrier, type CarrierDialog, type CallResult, type DialRequest, NotPlacedError } from '../../domain/carrier';
import { ulawToAlaw } from '@autocall/audio';
import { RtpPortPool, RtpSession, type RtpStats } from './rtp';
import { RtpWorker, type WorkerRtpSession } from './rtp-worker';
import { type CallAudio, type CallContext, SipCall } from './sip-call';
import { endStoredDialog, readStoredDialog } from './sip-dialog';
import { type HostPort, type SipRequest, parseHostPort } from './sip-message';
import { SipTransport, resolveHostPort } from './sip-transport';

export interface SipCarrierConfig {
  /** The carrier's SIP trunk (registrar-less, IP or credential authenticated). */
  trunkHost: string;
  trunkPort: number;
  /** Digest credentials for 401/407 challenges; without them a challenge fails the call. */
  username?: string;
  password?: string;
  /** Our identity: a SIP URI (`sip:6221555@trunk.example`) or just the user part. */
  from: string;
  /** UDP port for SIP; 0 picks an ephemeral one. */
  localPort: number;
  /** Address to bind and to advertise in Via, Contact and SDP; default: the interface facing the trunk. */
  localHost?: string;
  rtpPortMin: number;
  rtpPortMax: number;
  /** Calls held at once by this process; ~200 keeps RTP timing sound on one core. */
  maxChannels?: number;
  /** `host[:port]` or SIP URI of an outbound proxy every request is sent through. */
  outboundProxy?: string;
  logger: Logger;
  /** RFC 3261 T1 in ms (500). Tests shorten it; timer B, the INVITE timeout, is 64×T1. */
  t1Ms?: number;
  /** RFC 3261 T2 in ms (4000). */
  t2Ms?: number;
  /** Pause after the last audio packet before BYE (ms, default 200). */
  hangupDelayMs?: number;
  /** μ-law renditions kept in memory, by recording id (default 64). */
  recordingCacheSize?: number;
  /**
   * Pace and send RTP in a worker thread (one for all calls) rather than on the main thread, so
   * main-thread stalls (GC, database work, JSON) do not delay packets. Default true.
   */
  rtpWorker?: boolean;
  /**
   * Analyse the inbound audio of early media and of the first 3 s after an answer for SIT tones
   * and operator announcements (default true).
   */
  analyseAudio?: boolean;
  /** Answering-machine detection (tasks with dialing.amd): undecided after this many ms of the callee's audio → unknown (default 5000). */
  amdMaxMs?: number;
  /** Called once per finished call with its media figures (tests, benchmarks, metrics). */
  onCallStats?: (stats: SipCallStats) => void;
}

export interface SipCallStats extends RtpStats {
  attemptId: string;
  callId: string | null;
  outcome: CallResult['outcome'];
  sipCode: number | null;
  rtpPort: number | null;
  codec: 'PCMU' | 'PCMA' | null;
}

/** Remembered ended calls, so a retransmitted BYE still gets its 200 (64×T1 is ample). */
const ENDED_MEMORY_MS = 32_000;

/** The SIP trunk carrier: a client-only user agent over UDP that plays the recording over RTP. */
export class SipCarrier implements Carrier {
  readonly name = 'sip';
  readonly maxChannels: number;
  private readonly log: Logger;
  private readonly ports: RtpPortPool;
  private readonly calls = new Map<string, SipCall>();
  private readonly ended = new Map<string, number>();
  private readonly audio = new Map<string, Promise<CallAudio>>();
  private ready: Promise<{ transport: SipTransport; ctx: CallContext }> | null = null;
  private active = 0;
  private closing = false;
  private readonly worker: RtpWorker | null;

  constructor(private readonly config: SipCarrierConfig) {
    this.maxChannels = config.maxChannels ?? 200;
    this.log = config.logger.child({ carrier: 'sip' });
    this.ports = new RtpPortPool(config.rtpPortMin, config.rtpPortMax, config.localHost ?? '0.0.0.0');
    this.worker = config.rtpWorker === false ? null : new RtpWorker((err) => this.log.error({ err }, 'RTP worker died; restarted'));
    if (this.ports.size < this.maxChannels) {
      this.log.warn({ rtpPorts: this.ports.size, maxChannels: this.maxChannels }, 'RTP port range smaller than the channel limit');
    }
  }

  /** Binds the SIP socket; dial() calls it on first use, main.ts may call it to fail fast at boot. */
  start(): Promise<{ transport: SipTransport; ctx: CallContext }> {
    if (!this.ready) {
      this.ready = this.open();
      this.ready.catch(() => (this.ready = null));
    }
    return this.ready;
  }

  private async open(): Promise<{ transport: SipTransport; ctx: CallContext }> {
    const c = this.config;
    const trunk: HostPort = { host: c.trunkHost, port: c.trunkPort };
    const proxy = c.outboundProxy ? parseHostPort(c.outboundProxy, 5060) : null;
    const bindHost = c.localHost ?? '0.0.0.0';
    const timers = { t1Ms: c.t1Ms ?? 500, t2Ms: c.t2Ms ?? 4000 };
    const firstHop = await resolveHostPort(proxy ?? trunk);
    const advertisedHost = bindHost !== '0.0.0.0' ? bindHost : await interfaceToward(firstHop);
    const transport = await SipTransport.open({ bindHost, bindPort: c.localPort, advertisedHost, timers, logger: this.log });
    transport.onRequest = (req, from) => this.onRequest(transport, req, from);
    const fromBase = /^sips?:/i.test(c.from) ? c.from : `sip:${c.from}@${c.trunkHost}`;
    const ctx: CallContext = {
      transport,
      firstHop,
      outboundProxy: proxy ? firstHop : null,
      proxyRoute: proxy ? `<sip:${proxy.host}:${proxy.port};lr>` : null,
      trunkUriHost: c.trunkPort === 5060 ? c.trunkHost : `${c.trunkHost}:${c.trunkPort}`,
      // The caller id replaces the user part of From, which is what trunks present to the callee.
      fromUri: (callerId) => (callerId ? fromBase.replace(/^(sips?:)(?:[^@;]*@)?/i, `$1${callerId}@`) : fromBase),
      credentials: c.username && c.password !== undefined ? { username: c.username, password: c.password } : null,
      hangupDelayMs: c.hangupDelayMs ?? 200,
      analyseAudio: c.analyseAudio ?? true,
      amdMaxMs: c.amdMaxMs ?? 5000,
      logger: this.log,
    };
    this.log.info({ trunk: `${c.trunkHost}:${c.trunkPort}`, local: transport.advertised, outboundProxy: c.outboundProxy ?? null, auth: ctx.credentials !== null }, 'SIP carrier ready');
    return { transport, ctx };
  }

  /**
   * Places one call. Everything that can go wrong before the INVITE is sent (carrier closing,
   * channel limit, socket, recording, RTP port, the task held meanwhile) rejects with
   * NotPlacedError: nothing went out, the dialer requeues the attempt. From the INVITE on, every
   * end is a CallResult.
   */
  async dial(request: DialRequest): Promise<CallResult> {
    if (this.closing) throw new NotPlacedError('closed', 'carrier closed');
    if (this.active >= this.maxChannels) throw new NotPlacedError('channels', 'channel limit reached');
    this.active++;
    let rtp: RtpSession | WorkerRtpSession | null = null;
    let call: SipCall | null = null;
    let result: CallResult | null = null;
    try {
      const { ctx } = await this.start().catch((err: Error) => {
        throw new NotPlacedError('setup', `SIP socket: ${err.message}`);
      });
      const audio = await this.loadAudio(request).catch((err: Error) => {
        throw new NotPlacedError('recording', `recording not loaded: ${err.message}`);
      });
      if (this.worker) {
        const worker = this.worker;
        const got = await this.ports.acquireWith((port, host) => worker.open(port, host));
        if (!got) throw new NotPlacedError('rtp-port', 'no free RTP port');
        rtp = got.session;
      } else {
        const port = await this.ports.acquire();
        if (!port) throw new NotPlacedError('rtp-port', 'no free RTP port');
        rtp = new RtpSession(port.socket, port.port);
      }
      const c = (call = new SipCall(ctx, request, audio, rtp));
      const started: { running?: Promise<CallResult> } = {};
      const send = () => {
        this.calls.set(c.callId, c);
        started.running = c.run(); // sends the INVITE synchronously
      };
      if (request.beforeSend) {
        await request.beforeSend(send, { ...c.dialogState() }).catch((err: Error) => {
          // After the INVITE left, the guard's own failure (its commit) changes nothing.
          if (!started.running) throw new NotPlacedError('setup', `pre-INVITE check failed: ${err.message}`);
        });
      } else send();
      if (!started.running) throw new NotPlacedError('held', 'task held or cancelled before the INVITE');
      result = await started.running;
      return result;
    } catch (err) {
      if (err instanceof NotPlacedError) throw err;
      this.log.error({ err, attemptId: request.attemptId }, 'SIP call failed');
      // The INVITE may have left (running set): a failed call, never a silent retry.
      return (result = {
        outcome: 'failed',
        hangupBy: null,
        sipCode: null,
        failureReason: `internal error: ${(err as Error).message}`,
        retryable: false,
        startedAt: new Date(),
        answeredAt: null,
        endedAt: new Date(),
      });
    } finally {
      this.active--;
      if (call) {
        this.calls.delete(call.callId);
        this.rememberEnded(call.callId);
      }
      let stats: RtpStats | null = null;
      if (rtp instanceof RtpSession) {
        this.ports.release(rtp.port, rtp.socket);
        stats = rtp.stats;
      } else if (rtp) {
        stats = await rtp.close();
        this.ports.free(rtp.port);
      }
      if (result) {
        this.config.onCallStats?.({
          attemptId: request.attemptId,
          callId: call?.callId ?? null,
          outcome: result.outcome,
          sipCode: result.sipCode,
          rtpPort: rtp?.port ?? null,
          codec: call?.codec ?? null,
          ...(stats ?? { packetsSent: 0, packetsReceived: 0, maxLatenessMs: 0, packetsLate: 0 }),
        });
      }
    }
  }

  /**
   * Ends a call a dead process placed, from its stored dialog: BYE if it was answered (with digest
   * auth if challenged), CANCEL if it was ringing. A dialog that is not ours is dropped (true).
   */
  async endOrphan(dialog: CarrierDialog): Promise<boolean> {
    const d = readStoredDialog(dialog);
    if (!d) {
      this.log.error('stored dialog unreadable; nothing to end');
      return true;
    }
    const { transport, ctx } = await this.start();
    const ok = await endStoredDialog(transport, d, ctx.credentials);
    this.log.info({ callId: d.callId, answered: d.answered, ended: ok }, d.answered ? 'BYE for an orphaned call' : 'CANCEL for an orphaned call');
    return ok;
  }

  /** Calls in progress in this process. */
  get activeCalls(): number {
    return this.active;
  }

  private loadAudio(request: DialRequest): Promise<CallAudio> {
    const { id } = request.recording;
    let p = this.audio.get(id);
    if (!p) {
      p = request.recording.loadUlaw().then((ulaw) => {
        let alaw: Buffer | null = null;
        return {
          ulaw,
          alaw: () => (alaw ??= ulawToAlaw(ulaw)),
          forget: (w: RtpWorker) => {
            w.forget(ulaw);
            if (alaw) w.forget(alaw);
          },
        };
      });
      this.audio.set(id, p);
      p.catch(() => this.audio.delete(id)); // a failed load is retried by the next call
      const max = this.config.recordingCacheSize ?? 64;
      for (const [key, old] of this.audio) {
        if (this.audio.size <= max) break;
        this.audio.delete(key); // oldest first; calls in progress keep their buffers
        if (this.worker) {
          const worker = this.worker;
          old.then((a) => a.forget?.(worker), () => undefined);
        }
      }
    }
    return p;
  }

  private rememberEnded(callId: string): void {
    const now = Date.now();
    for (const [id, expiry] of this.ended) {
      if (expiry > now) break; // insertion order is expiry order
      this.ended.delete(id);
    }
    this.ended.set(callId, now + ENDED_MEMORY_MS);
  }

  private onRequest(transport: SipTransport, req: SipRequest, from: HostPort): void {
    const callId = req.headers.get('call-id') ?? '';
    const call = this.calls.get(callId);
    if (call) return call.handleRequest(req, from);
    if (req.method === 'ACK') return;
    if (req.method === 'OPTIONS') return transport.respond(req, from, 200, 'OK', { headers: [['Allow', 'INVITE, ACK, CANCEL, BYE, OPTIONS']] });
    if (req.method === 'BYE' && this.ended.has(callId)) return transport.respond(req, from, 200, 'OK');
    // We place calls only; an incoming INVITE or a stray in-dialog request has no dialog here.
    transport.respond(req, from, req.method === 'INVITE' ? 603 : 481, req.method === 'INVITE' ? 'Decline' : 'Call/Transaction Does Not Exist');
  }

  /** Hangs up (BYE) or cancels every call, waits briefly for the far end, and closes the sockets. */
  async close(): Promise<void> {
    this.closing = true;
    const pending = [...this.calls.values()].map((c) => c.abort());
    const grace = new Promise<void>((resolve) => setTimeout(resolve, 2000).unref());
    await Promise.race([Promise.all(pending), grace]);
    if (this.ready) {
      const { transport } = await this.ready.catch(() => ({ transport: null }));
      await transport?.close();
      this.ready = null;
    }
    await this.worker?.terminate();
  }
}

/** The local address the OS would use toward `dest`: what the far end can reach us at. */
async function interfaceToward(dest: HostPort): Promise<string> {
  const s = dgram.createSocket('udp4');
  try {
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.connect(dest.port, dest.host, () => resolve());
    });
    return s.address().address;
  } finally {
    s.close();
  }
}

export function createSipCarrier(config: SipCarrierConfig): SipCarrier {
  return new SipCarrier(config);
}
