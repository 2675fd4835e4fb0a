import dgram from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { SILENCE } from '@autocall/audio';
import type { G711PayloadType } from './sdp';

const PACKET_MS = 20;
const SAMPLES_PER_PACKET = 160; // 20 ms at 8 kHz, one byte per G.711 sample

/**
 * Even RTP ports (RFC 3550 §11) from a configured range, so firewalls can be opened for exactly
 * that range. A port in use by another process is skipped rather than failing the call.
 */
export class RtpPortPool {
  private readonly inUse = new Set<number>();
  private next: number;
  private readonly first: number;
  private readonly count: number;

  constructor(
    min: number,
    max: number,
    private readonly bindHost: string,
  ) {
    this.first = min % 2 === 0 ? min : min + 1;
    this.count = Math.max(0, Math.floor((max - this.first) / 2) + 1);
    this.next = 0;
  }

  get size(): number {
    return this.count;
  }

  /**
   * A free even port bound by `bind` (which answers null when the port is taken by another
   * process: it is skipped), or null when the whole range is taken. Give it back with free().
   */
  async acquireWith<S>(bind: (port: number, host: string) => Promise<S | null>): Promise<{ session: S; port: number } | null> {
    for (let tried = 0; tried < this.count; tried++) {
      const port = this.first + 2 * this.next;
      this.next = (this.next + 1) % this.count;
      if (this.inUse.has(port)) continue;
      this.inUse.add(port);
      const session = await bind(port, this.bindHost).catch(() => null);
      if (session) return { session, port };
      this.inUse.delete(port);
    }
    return null;
  }

  free(port: number): void {
    this.inUse.delete(port);
  }

  /** A bound socket on a free even port, or null when the whole range is taken. */
  async acquire(): Promise<{ socket: dgram.Socket; port: number } | null> {
    for (let tried = 0; tried < this.count; tried++) {
      const port = this.first + 2 * this.next;
      this.next = (this.next + 1) % this.count;
      if (this.inUse.has(port)) continue;
      this.inUse.add(port);
      const socket = dgram.createSocket('udp4');
      const ok = await new Promise<boolean>((resolve) => {
        socket.once('error', () => resolve(false));
        socket.bind(port, this.bindHost, () => resolve(true));
      });
      if (ok) {
        socket.removeAllListeners('error');
        return { socket, port };
      }
      this.inUse.delete(port);
      socket.close();
    }
    return null;
  }

  release(port: number, socket: dgram.Socket): void {
    socket.removeAllListeners();
    socket.on('error', () => undefined); // a late ICMP error must not crash the process
    try {
      socket.close();
    } catch {
      // already closed
    }
    this.inUse.delete(port);
  }
}

export interface RtpStats {
  packetsSent: number;
  packetsReceived: number;
  /** Worst delay between a packet's due time and the timer waking up to send it, in ms. */
  maxLatenessMs: number;
  /** Packets sent more than 10 ms after their due time: what a jitter buffer may have to absorb. */
  packetsLate: number;
}

const LATE_MS = 10;

/** Inbound audio, in arrival order: each packet's payload type and payload. */
/** An inbound RTP packet: payload type, payload, timestamp and the stream's SSRC. */
export interface InboundPacket {
  pt: number;
  payload: Uint8Array;
  ts: number;
  ssrc: number;
}

export type InboundAudio = (packets: InboundPacket[]) => void;

/** One call's audio stream, played in this thread (RtpSession) or in the RTP worker (WorkerRtpSession). */
export interface RtpStream {
  readonly port: number;
  readonly stats: RtpStats;
  play(audio: Buffer, remote: { address: string; port: number }, payloadType: G711PayloadType): Promise<void>;
  stop(): void;
  /** Hands the inbound packets' payloads to `listener` (in batches of up to 100 ms) until called with null. */
  listen(listener: InboundAudio | null): void;
}

/** An RTP packet's payload type and payload (CSRCs, header extension and padding skipped), or null if it is not RTP v2. */
export function rtpPayload(msg: Uint8Array): InboundPacket | null {
  if (msg.length < 12 || msg[0]! >> 6 !== 2) return null;
  let at = 12 + 4 * (msg[0]! & 0x0f);
  if (msg[0]! & 0x10) {
    if (msg.length < at + 4) return null;
    at += 4 + 4 * ((msg[at + 2]! << 8) | msg[at + 3]!);
  }
  let end = msg.length;
  if (msg[0]! & 0x20) end -= msg[msg.length - 1]!;
  if (end < at) return null;
  const u32 = (i: number) => ((msg[i]! << 24) | (msg[i + 1]! << 16) | (msg[i + 2]! << 8) | msg[i + 3]!) >>> 0;
  return { pt: msg[1]! & 0x7f, payload: msg.subarray(at, end), ts: u32(4), ssrc: u32(8) };
}

/** One call's audio stream: sends the recording and counts what comes back. */
export class RtpSession implements RtpStream {
  readonly stats: RtpStats = { packetsSent: 0, packetsReceived: 0, maxLatenessMs: 0, packetsLate: 0 };
  private timer: NodeJS.Timeout | null = null;
  private finish: (() => void) | null = null;
  private listener: InboundAudio | null = null;

  constructor(
    readonly socket: dgram.Socket,
    readonly port: number,
  ) {
    socket.on('message', (msg) => {
      // RTP version 2 only; anything else (STUN, garbage) is not audio.
      if (msg.length >= 12 && msg[0]! >> 6 === 2) this.stats.packetsReceived++;
      if (this.listener) {
        const p = rtpPayload(msg);
        if (p) this.listener([p]);
      }
    });
    socket.on('error', () => undefined);
  }

  /**
   * Sends `audio` as 20 ms packets and resolves after the last one. Each wake-up sends every
   * packet that is due by the clock, and the next timer is set against the start time rather
   * than the previous wake-up, so timer lateness never accumulates into drift.
   */
  play(audio: Buffer, remote: { address: string; port: number }, payloadType: G711PayloadType): Promise<void> {
    const total = Math.ceil(audio.length / SAMPLES_PER_PACKET);
    const ssrc = randomBytes(4).readUInt32BE(0);
    const seq0 = randomBytes(2).readUInt16BE(0);
    const ts0 = randomBytes(4).readUInt32BE(0);
    const start = performance.now();
    let n = 0;
    return new Promise<void>((resolve) => {
      this.finish = resolve;
      const tick = (): void => {
        this.timer = null;
        const now = performance.now();
        const lateness = now - (start + n * PACKET_MS);
        if (lateness > this.stats.maxLatenessMs) this.stats.maxLatenessMs = lateness;
        while (n < total && start + n * PACKET_MS <= now) {
          if (now - (start + n * PACKET_MS) > LATE_MS) this.stats.packetsLate++;
          this.sendPacket(audio, n, payloadType, ssrc, (seq0 + n) & 0xffff, (ts0 + n * SAMPLES_PER_PACKET) >>> 0, remote);
          n++;
        }
        if (n >= total) {
          this.stop();
          return;
        }
        this.timer = setTimeout(tick, Math.max(0, start + n * PACKET_MS - performance.now()));
      };
      tick();
    });
  }

  private sendPacket(
    audio: Buffer,
    n: number,
    pt: G711PayloadType,
    ssrc: number,
    seq: number,
    ts: number,
    remote: { address: string; port: number },
  ): void {
    const header = Buffer.allocUnsafe(12);
    header[0] = 0x80; // version 2, no padding, no extension, no CSRC
    header[1] = (n === 0 ? 0x80 : 0) | pt; // marker on the first packet of the talkspurt
    header.writeUInt16BE(seq, 2);
    header.writeUInt32BE(ts, 4);
    header.writeUInt32BE(ssrc, 8);
    let payload = audio.subarray(n * SAMPLES_PER_PACKET, (n + 1) * SAMPLES_PER_PACKET);
    if (payload.length < SAMPLES_PER_PACKET) {
      const padded = Buffer.alloc(SAMPLES_PER_PACKET, SILENCE[pt]);
      payload.copy(padded);
      payload = padded;
    }
    this.socket.send([header, payload], remote.port, remote.address);
    this.stats.packetsSent++;
  }

  listen(listener: InboundAudio | null): void {
    this.listener = listener;
  }

  /** Stops sending (the callee hung up); a pending play() resolves. */
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const finish = this.finish;
    this.finish = null;
    finish?.();
  }
}
