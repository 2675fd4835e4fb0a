import { Worker } from 'node:worker_threads';
import { SILENCE } from '@autocall/audio';
import type { InboundAudio, InboundPacket, RtpStats } from './rtp';
import type { G711PayloadType } from './sdp';

/**
 * RTP pacing and sending in one worker thread for all of a carrier's calls, so that main-thread
 * work (GC, database results, JSON, SIP parsing) never delays a packet. The worker owns the RTP
 * sockets (a dgram socket cannot move between threads): the main thread asks it to bind a port,
 * hands it each recording once (copied into a SharedArrayBuffer, read by every call that plays it),
 * and starts/stops each call's stream; the worker reports the end of a stream and the final stats.
 *
 * The worker's code is plain JavaScript kept in this string, so it runs the same from src (tests)
 * and from dist, with nothing to resolve at run time.
 */
const WORKER_SOURCE = String.raw`
const { parentPort } = require('node:worker_threads');
const dgram = require('node:dgram');
const { randomBytes } = require('node:crypto');
const { performance } = require('node:perf_hooks');
const PACKET_MS = 20, SAMPLES = 160, LATE_MS = 10;
const SILENCE = ${JSON.stringify(SILENCE)};
const audios = new Map();   // key -> Uint8Array over a SharedArrayBuffer
const streams = new Map();  // id -> { socket, stats, timer, playing }

// the inbound audio of a listening stream, batched to the main thread every 100 ms
function rtpPayload(msg) {
  if (msg.length < 12 || msg[0] >> 6 !== 2) return null;
  let at = 12 + 4 * (msg[0] & 0x0f);
  if (msg[0] & 0x10) {
    if (msg.length < at + 4) return null;
    at += 4 + 4 * ((msg[at + 2] << 8) | msg[at + 3]);
  }
  let end = msg.length;
  if (msg[0] & 0x20) end -= msg[msg.length - 1];
  if (end < at) return null;
  return { pt: msg[1] & 0x7f, payload: new Uint8Array(msg.subarray(at, end)), ts: msg.readUInt32BE(4), ssrc: msg.readUInt32BE(8) };
}
function flushInbound(s) {
  s.flush = null;
  if (s.inbound.length === 0) return;
  parentPort.postMessage({ t: 'in', id: s.id, packets: s.inbound });
  s.inbound = [];
}

function finishPlay(s) {
  if (s.timer) clearTimeout(s.timer);
  s.timer = null;
  if (s.playing) {
    s.playing = false;
    parentPort.postMessage({ t: 'played', id: s.id });
  }
}

function play(s, m) {
  const audio = audios.get(m.key);
  if (!audio) { s.playing = true; return finishPlay(s); }
  const total = Math.ceil(audio.length / SAMPLES);
  const ssrc = randomBytes(4).readUInt32BE(0);
  const seq0 = randomBytes(2).readUInt16BE(0);
  const ts0 = randomBytes(4).readUInt32BE(0);
  const start = performance.now();
  const pt = m.pt;
  let n = 0;
  s.playing = true;
  const send = (i) => {
    const pkt = Buffer.allocUnsafe(12 + SAMPLES);
    pkt[0] = 0x80;
    pkt[1] = (i === 0 ? 0x80 : 0) | pt;
    pkt.writeUInt16BE((seq0 + i) & 0xffff, 2);
    pkt.writeUInt32BE((ts0 + i * SAMPLES) >>> 0, 4);
    pkt.writeUInt32BE(ssrc, 8);
    const from = i * SAMPLES, to = Math.min(audio.length, from + SAMPLES);
    pkt.set(audio.subarray(from, to), 12);
    if (to - from < SAMPLES) pkt.fill(SILENCE[pt], 12 + (to - from));
    s.socket.send(pkt, m.port, m.address);
    s.stats.packetsSent++;
  };
  const tick = () => {
    s.timer = null;
    if (!s.playing) return;
    const now = performance.now();
    const lateness = now - (start + n * PACKET_MS);
    if (lateness > s.stats.maxLatenessMs) s.stats.maxLatenessMs = lateness;
    while (n < total && start + n * PACKET_MS <= now) {
      if (now - (start + n * PACKET_MS) > LATE_MS) s.stats.packetsLate++;
      send(n);
      n++;
    }
    if (n >= total) return finishPlay(s);
    s.timer = setTimeout(tick, Math.max(0, start + n * PACKET_MS - performance.now()));
  };
  tick();
}

parentPort.on('message', (m) => {
  switch (m.t) {
    case 'audio':
      audios.set(m.key, new Uint8Array(m.buf, 0, m.length));
      return;
    case 'forget':
      audios.delete(m.key);
      return;
    case 'bind': {
      const socket = dgram.createSocket('udp4');
      socket.once('error', () => {
        try { socket.close(); } catch {}
        parentPort.postMessage({ t: 'bound', id: m.id, ok: false });
      });
      socket.bind(m.port, m.host, () => {
        socket.removeAllListeners('error');
        socket.on('error', () => undefined);
        const s = { id: m.id, socket, timer: null, playing: false, listening: false, inbound: [], flush: null, stats: { packetsSent: 0, packetsReceived: 0, maxLatenessMs: 0, packetsLate: 0 } };
        socket.on('message', (msg) => {
          if (msg.length >= 12 && msg[0] >> 6 === 2) s.stats.packetsReceived++;
          if (!s.listening) return;
          const p = rtpPayload(msg);
          if (!p) return;
          s.inbound.push(p);
          if (!s.flush) s.flush = setTimeout(() => flushInbound(s), 100);
        });
        streams.set(m.id, s);
        parentPort.postMessage({ t: 'bound', id: m.id, ok: true });
      });
      return;
    }
    case 'play': {
      const s = streams.get(m.id);
      if (s) play(s, m);
      else parentPort.postMessage({ t: 'played', id: m.id });
      return;
    }
    case 'stop': {
      const s = streams.get(m.id);
      if (s) finishPlay(s);
      return;
    }
    case 'listen': {
      const s = streams.get(m.id);
      if (!s) return;
      s.listening = m.on;
      if (!m.on) {
        if (s.flush) clearTimeout(s.flush);
        s.flush = null;
        s.inbound = [];
      }
      return;
    }
    case 'close': {
      const s = streams.get(m.id);
      if (!s) return parentPort.postMessage({ t: 'closed', id: m.id, stats: null });
      finishPlay(s);
      if (s.flush) clearTimeout(s.flush);
      streams.delete(m.id);
      s.socket.removeAllListeners('message');
      try { s.socket.close(); } catch {}
      parentPort.postMessage({ t: 'closed', id: m.id, stats: s.stats });
      return;
    }
  }
});
`;

/** `played` with `crashed`: the worker died mid-stream, so the audio stopped part-way (never sent by the worker itself). */
type FromWorker =
  | { t: 'bound'; id: number; ok: boolean }
  | { t: 'played'; id: number; crashed?: boolean }
  | { t: 'closed'; id: number; stats: RtpStats | null }
  | { t: 'in'; id: number; packets: InboundPacket[] };

/** play() rejects with this when the RTP worker died before the recording was sent to its end. */
export class RtpWorkerDiedError extends Error {
  override readonly name = 'RtpWorkerDiedError';
  constructor() {
    super('rtp worker died');
  }
}

const EMPTY_STATS: RtpStats = { packetsSent: 0, packetsReceived: 0, maxLatenessMs: 0, packetsLate: 0 };

/** The main thread's handle on the RTP worker. */
export class RtpWorker {
  private worker: Worker;
  private nextId = 1;
  private nextKey = 1;
  private readonly waiting = new Map<string, (msg: FromWorker) => void>();
  /** Streams whose inbound audio the main thread listens to, by stream id. */
  readonly listeners = new Map<number, InboundAudio>();
  /** Which recording buffers the worker already holds, by the buffer itself. */
  private keys = new WeakMap<Buffer, number>();
  private refs = 0;
  private terminating = false;

  constructor(private readonly onCrash: (err: Error | null) => void = () => undefined) {
    this.worker = this.spawn();
  }

  /**
   * Starts the worker. Should it die (a bug in it), whoever waits for it is released — calls in
   * progress learn that their audio stopped part-way (play() rejects with RtpWorkerDiedError, the
   * call hangs up and ends failed), binds answer "not bound" — and a new one takes over.
   */
  private spawn(): Worker {
    const worker = new Worker(WORKER_SOURCE, { eval: true, name: 'rtp' });
    let failure: Error | null = null;
    worker.on('message', (msg: FromWorker) => {
      if (msg.t === 'in') return this.listeners.get(msg.id)?.(msg.packets);
      const k = `${msg.t}:${msg.id}`;
      const w = this.waiting.get(k);
      if (w) {
        this.waiting.delete(k);
        w(msg);
      }
    });
    worker.on('error', (err) => (failure = err));
    worker.on('exit', () => {
      this.flushWaiting(!this.terminating);
      if (this.terminating) return;
      this.onCrash(failure);
      this.keys = new WeakMap(); // the new worker holds no recording yet
      this.worker = this.spawn();
      if (this.refs === 0) this.worker.unref();
    });
    if (this.refs === 0) worker.unref();
    return worker;
  }

  /** Releases every wait; `crashed`: the worker died on its own, so no stream played to its end. */
  private flushWaiting(crashed: boolean): void {
    for (const [k, w] of this.waiting) {
      const [t, id] = k.split(':');
      w(t === 'bound' ? { t: 'bound', id: Number(id), ok: false } : t === 'closed' ? { t: 'closed', id: Number(id), stats: null } : { t: 'played', id: Number(id), crashed });
    }
    this.waiting.clear();
  }

  private expect<T extends FromWorker['t']>(t: T, id: number): Promise<Extract<FromWorker, { t: T }>> {
    return new Promise((resolve) => this.waiting.set(`${t}:${id}`, resolve as (m: FromWorker) => void));
  }

  /** A stream bound on `port`, or null when the port is taken. */
  async open(port: number, host: string): Promise<WorkerRtpSession | null> {
    const id = this.nextId++;
    const bound = this.expect('bound', id);
    this.worker.postMessage({ t: 'bind', id, port, host });
    return (await bound).ok ? new WorkerRtpSession(this, id, port) : null;
  }

  /** The worker's key for `audio`, sending it (once per buffer) into shared memory. */
  audioKey(audio: Buffer): number {
    let key = this.keys.get(audio);
    if (key === undefined) {
      key = this.nextKey++;
      const shared = new SharedArrayBuffer(audio.length);
      new Uint8Array(shared).set(audio);
      this.keys.set(audio, key);
      this.worker.postMessage({ t: 'audio', key, buf: shared, length: audio.length });
    }
    return key;
  }

  forget(audio: Buffer): void {
    const key = this.keys.get(audio);
    if (key === undefined) return;
    this.keys.delete(audio);
    this.worker.postMessage({ t: 'forget', key });
  }

  post(msg: object): void {
    this.worker.postMessage(msg);
  }

  played(id: number): Promise<Extract<FromWorker, { t: 'played' }>> {
    return this.expect('played', id);
  }

  closed(id: number): Promise<Extract<FromWorker, { t: 'closed' }>> {
    return this.expect('closed', id);
  }

  ref(): void {
    if (this.refs++ === 0) this.worker.ref();
  }

  unref(): void {
    if (--this.refs === 0) this.worker.unref();
  }

  async terminate(): Promise<void> {
    this.terminating = true;
    await this.worker.terminate();
    this.flushWaiting(false);
  }
}

/** One call's audio stream, played by the worker; same surface as RtpSession. */
export class WorkerRtpSession {
  stats: RtpStats = { ...EMPTY_STATS };
  private playing: Promise<unknown> | null = null;
  private closing: Promise<RtpStats> | null = null;

  constructor(
    private readonly owner: RtpWorker,
    private readonly id: number,
    readonly port: number,
  ) {
    owner.ref();
  }

  /** Resolves once the recording was sent (or stop() ended it); rejects with RtpWorkerDiedError when the worker died first. */
  play(audio: Buffer, remote: { address: string; port: number }, payloadType: G711PayloadType): Promise<void> {
    const key = this.owner.audioKey(audio);
    const done = this.owner.played(this.id);
    this.playing = done;
    this.owner.post({ t: 'play', id: this.id, key, address: remote.address, port: remote.port, pt: payloadType });
    return done.then((m) => {
      if (m.crashed) throw new RtpWorkerDiedError();
    });
  }

  stop(): void {
    if (this.playing) this.owner.post({ t: 'stop', id: this.id });
  }

  listen(listener: InboundAudio | null): void {
    if (listener) this.owner.listeners.set(this.id, listener);
    else this.owner.listeners.delete(this.id);
    this.owner.post({ t: 'listen', id: this.id, on: listener !== null });
  }

  /** Closes the socket in the worker and takes the stream's final figures. */
  close(): Promise<RtpStats> {
    if (!this.closing) {
      const closed = this.owner.closed(this.id);
      this.owner.post({ t: 'close', id: this.id });
      this.closing = closed.then((m) => {
        this.owner.listeners.delete(this.id);
        this.owner.unref();
        this.stats = m.stats ?? this.stats;
        return this.stats;
      });
    }
    return this.closing;
  }
}
