import { decodeG711, GoertzelBank } from './call-audio-analysis';

/**
 * Key presses in a call's inbound audio (issue 18, `dialing.dtmf`): RFC 4733 telephone-events
 * when the answer accepted our payload type 101, else in-band DTMF tones found with Goertzel
 * filters. Each press counts once: an RFC 4733 event is counted at its end packet, which is sent
 * three times with the same RTP timestamp; an in-band press once it has lasted 40 ms, and again
 * only after 40 ms without it.
 */
const KEYS = '0123456789*#ABCD';
const LOW = [697, 770, 852, 941];
const HIGH = [1209, 1336, 1477, 1633];
const PAD = ['123A', '456B', '789C', '*0#D'];
const FRAME = 160;
/** Quieter frames hold no key (mean square of 16-bit samples). */
const MIN_POWER = 2e4;

export class DtmfCollector {
  private readonly endedEvents = new Set<number>();
  private readonly frame = new Float32Array(FRAME);
  private filled = 0;
  private candidate: string | null = null;
  private candidateFrames = 0;
  private down: string | null = null;
  private quietFrames = 0;
  private readonly bank = new GoertzelBank([...LOW, ...HIGH]);

  /** `telephoneEvent`: the answer's payload type for RFC 4733 events, or null (in-band only). */
  constructor(
    private readonly telephoneEvent: number | null,
    private readonly onKey: (key: string) => void,
  ) {}

  push(pt: number, payload: Uint8Array, ts: number): void {
    if (this.telephoneEvent !== null && pt === this.telephoneEvent) return this.event(payload, ts);
    if (this.telephoneEvent === null && (pt === 0 || pt === 8)) this.audio(pt, payload);
  }

  private event(payload: Uint8Array, ts: number): void {
    if (payload.length < 4 || (payload[1]! & 0x80) === 0) return; // not the end of the event yet
    if (this.endedEvents.has(ts)) return; // the end packet's retransmission
    this.endedEvents.add(ts);
    if (this.endedEvents.size > 256) this.endedEvents.delete(this.endedEvents.values().next().value as number);
    const key = KEYS[payload[0]!];
    if (key) this.onKey(key);
  }

  private audio(pt: number, payload: Uint8Array): void {
    let at = 0;
    while (at < payload.length) {
      const n = decodeG711(payload.subarray(at, at + FRAME - this.filled), pt, this.frame, this.filled);
      at += n;
      this.filled += n;
      if (this.filled === FRAME) {
        this.filled = 0;
        this.inBand(this.keyOf(this.frame));
      }
    }
  }

  /** The key a 20 ms frame holds: one low and one high tone carrying most of its energy. */
  private keyOf(x: Float32Array): string | null {
    let e = 0;
    for (let i = 0; i < FRAME; i++) e += x[i]! * x[i]!;
    e /= FRAME;
    if (e < MIN_POWER) return null;
    const p = this.bank.run(x, 0, FRAME); // LOW then HIGH
    let li = 0;
    let hi = 4;
    for (let k = 1; k < 4; k++) if (p[k]! > p[li]!) li = k;
    for (let k = 5; k < 8; k++) if (p[k]! > p[hi]!) hi = k;
    const low = p[li]!;
    const high = p[hi]!;
    if (low < 0.15 * e || high < 0.15 * e || low + high < 0.6 * e) return null;
    return PAD[li]![hi - 4]!;
  }

  private inBand(key: string | null): void {
    if (key === null) {
      if (++this.quietFrames >= 2) this.down = null;
      this.candidate = null;
      return;
    }
    this.quietFrames = 0;
    if (key !== this.candidate) {
      this.candidate = key;
      this.candidateFrames = 0;
    }
    if (++this.candidateFrames >= 2 && this.down !== key) {
      this.down = key;
      this.onKey(key);
    }
  }
}

/** What a task's rules make of the keys pressed so far: each rule fires once, when the keys end with its digits. */
export class DtmfRules {
  keys = '';
  readonly tags: string[] = [];
  optOut = false;
  private readonly fired = new Set<number>();

  constructor(private readonly rules: { digits: string; action: 'tag' | 'optOut'; tag?: string; hangup?: boolean }[]) {}

  /** Adds a key; true when a rule that ends the call matched. */
  press(key: string): boolean {
    if (this.keys.length >= 64) return false;
    this.keys += key;
    let hangup = false;
    this.rules.forEach((r, i) => {
      if (this.fired.has(i) || !this.keys.endsWith(r.digits)) return;
      this.fired.add(i);
      if (r.action === 'tag' && r.tag && !this.tags.includes(r.tag)) this.tags.push(r.tag);
      if (r.action === 'optOut') this.optOut = true;
      if (r.hangup) hangup = true;
    });
    return hangup;
  }
}
