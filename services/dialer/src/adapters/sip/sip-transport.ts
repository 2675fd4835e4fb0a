import dgram from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { Logger } from '@autocall/logger';
import {
  type HostPort,
  type OutgoingRequest,
  type SipRequest,
  type SipResponse,
  headerParam,
  parseCSeq,
  parseSipMessage,
  serializeRequest,
  serializeResponse,
} from './sip-message';

export interface TimerConfig {
  /** RFC 3261 T1, the round-trip estimate: first retransmission interval. 500 ms. */
  t1Ms: number;
  /** RFC 3261 T2, the cap for non-INVITE retransmission intervals. 4 s. */
  t2Ms: number;
}

export interface InviteHandlers {
  onProvisional(res: SipResponse): void;
  /** Any final response; a non-2xx one has already been ACKed by the transaction. */
  onFinal(res: SipResponse): void;
  /** Timer B: no response at all within 64×T1. */
  onTimeout(): void;
}

/** RFC 3261 §17.1.1: the INVITE client transaction (timers A, B, D; ACK of non-2xx finals). */
export class InviteClientTransaction {
  state: 'calling' | 'proceeding' | 'completed' | 'accepted' | 'terminated' = 'calling';
  /** Set by the call once it has ACKed a 2xx, so retransmitted 2xx get the same ACK again. */
  ack2xx: { bytes: string; dest: HostPort } | null = null;
  private nonInviteAck: string | null = null;
  private timerA: NodeJS.Timeout | null = null;
  private timerB: NodeJS.Timeout | null = null;
  private cleanup: NodeJS.Timeout | null = null;

  constructor(
    private readonly transport: SipTransport,
    readonly request: OutgoingRequest,
    readonly dest: HostPort,
    private readonly handlers: InviteHandlers,
  ) {}

  start(): void {
    const bytes = this.transport.serialize(this.request);
    this.transport.send(bytes, this.dest);
    const t1 = this.transport.timers.t1Ms;
    let interval = t1;
    const retransmit = (): void => {
      if (this.state !== 'calling') return;
      this.transport.send(bytes, this.dest);
      // INVITE intervals double without the T2 cap (§17.1.1.2): 0.5, 1, 2, 4, 8, 16 s.
      interval *= 2;
      this.timerA = setTimeout(retransmit, interval);
    };
    this.timerA = setTimeout(retransmit, interval);
    this.timerB = setTimeout(() => {
      if (this.state !== 'calling') return;
      this.terminate();
      this.handlers.onTimeout();
    }, 64 * t1);
  }

  receive(res: SipResponse): void {
    if (res.status < 200) {
      if (this.state === 'calling' || this.state === 'proceeding') {
        this.state = 'proceeding';
        this.stopTimers();
        this.handlers.onProvisional(res);
      }
      return;
    }
    if (res.status < 300) {
      if (this.state === 'calling' || this.state === 'proceeding') {
        // RFC 6026 "Accepted": the transaction stays to absorb 2xx retransmissions for 64×T1.
        this.state = 'accepted';
        this.stopTimers();
        this.linger();
        this.handlers.onFinal(res);
      } else if (this.state === 'accepted' && this.ack2xx) {
        this.transport.send(this.ack2xx.bytes, this.ack2xx.dest);
      }
      return;
    }
    if (this.state === 'calling' || this.state === 'proceeding') {
      this.state = 'completed';
      this.stopTimers();
      this.nonInviteAck = this.transport.serialize(this.ackFor(res));
      this.transport.send(this.nonInviteAck, this.dest);
      this.linger(); // timer D
      this.handlers.onFinal(res);
    } else if (this.state === 'completed' && this.nonInviteAck) {
      // The peer did not get our ACK and repeated its final response.
      this.transport.send(this.nonInviteAck, this.dest);
    }
  }

  /** §17.1.1.3: the ACK for a non-2xx final shares the INVITE's branch and takes the response's To. */
  private ackFor(res: SipResponse): OutgoingRequest {
    return {
      method: 'ACK',
      uri: this.request.uri,
      branch: this.request.branch,
      from: this.request.from,
      to: res.headers.get('to') ?? this.request.to,
      callId: this.request.callId,
      cseq: this.request.cseq,
      route: this.request.route,
      headers: [],
    };
  }

  /** Stops retransmitting once a CANCEL is under way or the call is being torn down. */
  terminate(): void {
    this.stopTimers();
    if (this.cleanup) clearTimeout(this.cleanup);
    this.state = 'terminated';
    this.transport.forget(this);
  }

  private stopTimers(): void {
    if (this.timerA) clearTimeout(this.timerA);
    if (this.timerB) clearTimeout(this.timerB);
    this.timerA = this.timerB = null;
  }

  private linger(): void {
    this.cleanup = setTimeout(() => this.terminate(), 64 * this.transport.timers.t1Ms);
  }
}

/** RFC 3261 §17.1.2: non-INVITE client transaction (BYE, CANCEL) with timers E and F. */
class NonInviteClientTransaction {
  private timerE: NodeJS.Timeout | null = null;
  private timerF: NodeJS.Timeout | null = null;
  private done = false;

  constructor(
    private readonly transport: SipTransport,
    readonly request: OutgoingRequest,
    private readonly dest: HostPort,
    private readonly resolve: (res: SipResponse | null) => void,
  ) {}

  start(): void {
    const bytes = this.transport.serialize(this.request);
    const { t1Ms, t2Ms } = this.transport.timers;
    let interval = t1Ms;
    this.transport.send(bytes, this.dest);
    const retransmit = (): void => {
      this.transport.send(bytes, this.dest);
      interval = Math.min(interval * 2, t2Ms);
      this.timerE = setTimeout(retransmit, interval);
    };
    this.timerE = setTimeout(retransmit, interval);
    this.timerF = setTimeout(() => this.finish(null), 64 * t1Ms);
  }

  receive(res: SipResponse): void {
    if (res.status >= 200) this.finish(res);
  }

  finish(res: SipResponse | null): void {
    if (this.done) return;
    this.done = true;
    if (this.timerE) clearTimeout(this.timerE);
    if (this.timerF) clearTimeout(this.timerF);
    this.transport.forget(this);
    this.resolve(res);
  }
}

/** A host name to an IPv4 address (DNS SRV/NAPTR are not used: trunks are configured by host and port). */
export async function resolveHostPort(dest: HostPort): Promise<HostPort> {
  if (isIP(dest.host)) return dest;
  const { address } = await lookup(dest.host, { family: 4 });
  return { host: address, port: dest.port };
}

type ClientTransaction = InviteClientTransaction | NonInviteClientTransaction;

/**
 * The SIP socket: sends requests through client transactions, routes responses to them by
 * branch and method (a CANCEL shares its INVITE's branch), and hands requests to `onRequest`.
 */
export class SipTransport {
  private readonly transactions = new Map<string, ClientTransaction>();
  private readonly resolved = new Map<string, Promise<string>>();
  private closed = false;
  onRequest: (req: SipRequest, from: HostPort) => void = () => undefined;

  private constructor(
    private readonly socket: dgram.Socket,
    /** The address put in Via and Contact headers and in SDP. */
    readonly advertised: HostPort,
    readonly timers: TimerConfig,
    private readonly logger: Logger,
  ) {
    socket.on('message', (buf, rinfo) => this.dispatch(buf, { host: rinfo.address, port: rinfo.port }));
    socket.on('error', (err) => this.logger.error({ err }, 'SIP socket error'));
  }

  static async open(opts: {
    bindHost: string;
    bindPort: number;
    advertisedHost: string;
    timers: TimerConfig;
    logger: Logger;
  }): Promise<SipTransport> {
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(opts.bindPort, opts.bindHost, () => {
        socket.removeListener('error', reject);
        resolve();
      });
    });
    // Big bursts of INVITEs and responses at 200+ calls must not overflow the default buffers.
    try {
      socket.setRecvBufferSize(4 * 1024 * 1024);
      socket.setSendBufferSize(4 * 1024 * 1024);
    } catch {
      // the kernel caps these; the defaults still work
    }
    const port = socket.address().port;
    return new SipTransport(socket, { host: opts.advertisedHost, port }, opts.timers, opts.logger);
  }

  get via(): string {
    return `SIP/2.0/UDP ${this.advertised.host}:${this.advertised.port}`;
  }

  serialize(req: OutgoingRequest): string {
    return serializeRequest(req, req.via ?? this.via);
  }

  send(bytes: string, dest: HostPort): void {
    if (this.closed) return;
    this.socket.send(bytes, dest.port, dest.host);
  }

  /** Resolves a host name once per transport (in-dialog targets repeat across calls). */
  async resolve(dest: HostPort): Promise<HostPort> {
    if (isIP(dest.host)) return dest;
    let p = this.resolved.get(dest.host);
    if (!p) {
      p = resolveHostPort(dest).then((r) => r.host);
      this.resolved.set(dest.host, p);
      p.catch(() => this.resolved.delete(dest.host));
    }
    return { host: await p, port: dest.port };
  }

  invite(req: OutgoingRequest, dest: HostPort, handlers: InviteHandlers): InviteClientTransaction {
    const tx = new InviteClientTransaction(this, req, dest, handlers);
    this.transactions.set(`${req.branch}|INVITE`, tx);
    tx.start();
    return tx;
  }

  /** Sends BYE or CANCEL; resolves with the final response, or null on timer F. */
  request(req: OutgoingRequest, dest: HostPort): Promise<SipResponse | null> {
    return new Promise((resolve) => {
      if (this.closed) return resolve(null); // nothing can be sent or heard any more
      const tx = new NonInviteClientTransaction(this, req, dest, resolve);
      this.transactions.set(`${req.branch}|${req.method}`, tx);
      tx.start();
    });
  }

  /** ACK for a 2xx is its own transaction-less request (§13.2.2.4). */
  sendAck(req: OutgoingRequest, dest: HostPort): string {
    const bytes = this.serialize(req);
    this.send(bytes, dest);
    return bytes;
  }

  respond(req: SipRequest, to: HostPort, status: number, reason: string, opts?: Parameters<typeof serializeResponse>[3]): void {
    this.send(serializeResponse(req, status, reason, opts), to);
  }

  forget(tx: ClientTransaction): void {
    const key = `${tx.request.branch}|${tx.request.method}`;
    if (this.transactions.get(key) === tx) this.transactions.delete(key);
  }

  private dispatch(buf: Buffer, from: HostPort): void {
    const msg = parseSipMessage(buf);
    if (!msg) return;
    if (msg.kind === 'request') {
      this.onRequest(msg, from);
      return;
    }
    const branch = headerParam(msg.headers.list('via')[0], 'branch');
    const cseq = parseCSeq(msg.headers.get('cseq'));
    if (!branch || !cseq) return;
    const tx = this.transactions.get(`${branch}|${cseq.method}`);
    if (tx) tx.receive(msg);
    else this.logger.debug({ status: msg.status, method: cseq.method }, 'SIP response matches no transaction');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    for (const tx of [...this.transactions.values()]) {
      if (tx instanceof InviteClientTransaction) tx.terminate();
      else tx.finish(null);
    }
    this.closed = true;
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
  }
}
