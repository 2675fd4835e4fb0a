import { alawToLinear, ulawToLinear } from '@autocall/audio';

/**
 * What the network plays us instead of an answer (issue 18): special information tones (SIT)
 * and voice announcements, heard in the inbound G.711 audio of early media (183 with SDP) and of
 * the first seconds after a 200. Pure signal processing on 8 kHz samples, no I/O.
 *
 * SIT: three rising tones. Telcordia (North America) encodes a cause in each tone's frequency,
 * low or high, and length, short (276 ms) or long (380 ms): first 913.8/985.2 Hz, second
 * 1370.6/1428.5 Hz, third 1776.7 Hz. ITU-T E.180 (elsewhere) uses 950/1400/1800 Hz, 330 ms each,
 * and carries no cause. 20 ms frames are sorted by a Goertzel filter bank into the three bands;
 * a run of band-1, band-2, band-3 frames is a SIT; each tone's frequency is then measured over
 * its whole length (resolution of a few Hz), which tells Telcordia's from E.180's.
 *
 * Voice: frames with energy that no single tone dominates, whose zero-crossing rate and energy
 * vary from frame to frame as speech does (a ringback or other steady tone does not). About a
 * second of them is an announcement. A heuristic, tuned on generated speech (espeak-ng).
 */

export type SitKind = 'vacant-code' | 'intercept' | 'no-circuit' | 'reorder' | 'ineffective-other' | 'unknown-telcordia' | 'e180';

export interface Heard {
  sit: SitKind | null;
  /** ms of speech-like audio */
  voiceMs: number;
}

const RATE = 8000;
const FRAME = 160; // 20 ms
const BANDS = [
  [913.8, 950, 985.2],
  [1370.6, 1400, 1428.5],
  [1776.7, 1800],
] as const;
/** A tone frame: the band's strongest filter holds at least this share of the frame's energy. */
const TONE_PURITY = 0.5;
/** Quieter frames are silence (mean square of 16-bit samples; about −50 dBm0). */
const SILENCE_POWER = 2e4;
/** A tone lasts at least this many frames (Telcordia's short one is 276 ms, E.180's at least 260). */
const MIN_TONE_FRAMES = 10;
/** Frames of silence or other sound allowed between two tones of one SIT (E.180: up to 30 ms; margin for jitter). */
const MAX_GAP_FRAMES = 4;
/** Speech-like audio for this long is an announcement. */
export const ANNOUNCEMENT_MS = 1000;

/** The power of `freq` in `x[from, to)` (Goertzel), normalised so that it compares with the mean square. */
export function goertzel(x: Float32Array, from: number, to: number, freq: number): number {
  const w = (2 * Math.PI * freq) / RATE;
  const c = 2 * Math.cos(w);
  let s1 = 0;
  let s2 = 0;
  for (let i = from; i < to; i++) {
    const s0 = x[i]! + c * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  const n = to - from;
  return (s1 * s1 + s2 * s2 - c * s1 * s2) * (2 / (n * n));
}

/** A bank of Goertzel filters (up to 8) run over a frame in one pass: each answers exactly as `goertzel` would. */
export class GoertzelBank {
  private readonly coef: Float64Array;
  /** each filter's power after `run` */
  readonly power: Float64Array;

  constructor(freqs: readonly number[]) {
    if (freqs.length > 8) throw new Error('at most 8 filters');
    this.coef = new Float64Array(8);
    freqs.forEach((f, k) => (this.coef[k] = 2 * Math.cos((2 * Math.PI * f) / RATE)));
    this.power = new Float64Array(freqs.length);
  }

  run(x: Float32Array, from: number, to: number): Float64Array {
    const c = this.coef;
    const c0 = c[0]!, c1 = c[1]!, c2 = c[2]!, c3 = c[3]!, c4 = c[4]!, c5 = c[5]!, c6 = c[6]!, c7 = c[7]!;
    let a0 = 0, b0 = 0, a1 = 0, b1 = 0, a2 = 0, b2 = 0, a3 = 0, b3 = 0, a4 = 0, b4 = 0, a5 = 0, b5 = 0, a6 = 0, b6 = 0, a7 = 0, b7 = 0;
    for (let i = from; i < to; i++) {
      const v = x[i]!;
      let t = v + c0 * a0 - b0; b0 = a0; a0 = t;
      t = v + c1 * a1 - b1; b1 = a1; a1 = t;
      t = v + c2 * a2 - b2; b2 = a2; a2 = t;
      t = v + c3 * a3 - b3; b3 = a3; a3 = t;
      t = v + c4 * a4 - b4; b4 = a4; a4 = t;
      t = v + c5 * a5 - b5; b5 = a5; a5 = t;
      t = v + c6 * a6 - b6; b6 = a6; a6 = t;
      t = v + c7 * a7 - b7; b7 = a7; a7 = t;
    }
    const n = to - from;
    const k = 2 / (n * n);
    const s1 = [a0, a1, a2, a3, a4, a5, a6, a7];
    const s2 = [b0, b1, b2, b3, b4, b5, b6, b7];
    for (let f = 0; f < this.power.length; f++) this.power[f] = (s1[f]! * s1[f]! + s2[f]! * s2[f]! - c[f]! * s1[f]! * s2[f]!) * k;
    return this.power;
  }
}

/** The SIT bands' filters, in BANDS order (3 + 3 + 2). */
const SIT_BANK_FREQS = BANDS.flat();

function meanSquare(x: Float32Array, from: number, to: number): number {
  let e = 0;
  for (let i = from; i < to; i++) e += x[i]! * x[i]!;
  return e / (to - from);
}

function zeroCrossings(x: Float32Array, from: number, to: number): number {
  let z = 0;
  for (let i = from + 1; i < to; i++) if (x[i - 1]! < 0 !== x[i]! < 0) z++;
  return z;
}

/** Decodes G.711 (payload type 0 μ-law, 8 A-law) into `out` from `at`; returns the samples written. */
export function decodeG711(payload: Uint8Array, pt: number, out: Float32Array, at: number): number {
  const n = Math.min(payload.length, out.length - at);
  const dec = pt === 8 ? alawToLinear : ulawToLinear;
  for (let i = 0; i < n; i++) out[at + i] = dec(payload[i]!);
  return n;
}

type FrameKind = 1 | 2 | 3 | 'voice' | 'other' | 'silence'; // 1–3: the SIT bands

interface Tone {
  band: 1 | 2 | 3;
  startFrame: number;
  frames: number;
}

/** Frames kept (2 s): a SIT's three tones and their gaps fit, and so does the speech test's window. */
const KEPT = 100;

/** The coefficient of variation (standard deviation / mean; 0 when the mean is) of the 10 frames' values ending at frame `i` of a ring. */
function spread(xs: Float64Array, i: number): number {
  let sum = 0;
  for (let k = 0; k < 10; k++) sum += xs[(i - k) % KEPT]!;
  const m = sum / 10;
  if (m === 0) return 0;
  let sq = 0;
  for (let k = 0; k < 10; k++) {
    const d = xs[(i - k) % KEPT]! - m;
    sq += d * d;
  }
  return Math.sqrt(sq / 10) / m;
}

/**
 * Listens to one call's inbound audio, 20 ms at a time, and says what it heard, for as long as
 * the call listens. Only the last 2 s of samples and frame facts are kept (rings of KEPT frames),
 * so a call's memory use is small and bounded (about 70 KB).
 */
export class CallAudioAnalyser {
  /** the last KEPT frames' samples; frame i at (i % KEPT) * FRAME */
  private readonly pcm = new Float32Array(KEPT * FRAME);
  private readonly frameBuf = new Float32Array(FRAME);
  private pending = 0;
  private frames = 0;
  private readonly kinds: FrameKind[] = new Array<FrameKind>(KEPT).fill('silence');
  private readonly zcr = new Float64Array(KEPT);
  private readonly power = new Float64Array(KEPT);
  private voiceFrames = 0;
  private sit: SitKind | null = null;
  private readonly bank = new GoertzelBank(SIT_BANK_FREQS);

  /** One RTP payload (G.711, payload type 0 or 8); other payload types are ignored. */
  push(pt: number, payload: Uint8Array): void {
    if (pt !== 0 && pt !== 8) return;
    let at = 0;
    while (at < payload.length) {
      const n = decodeG711(payload.subarray(at, at + FRAME - this.pending), pt, this.frameBuf, this.pending);
      at += n;
      this.pending += n;
      if (this.pending === FRAME) {
        this.pcm.set(this.frameBuf, (this.frames % KEPT) * FRAME);
        this.pending = 0;
        this.frame(this.frames++);
      }
    }
  }

  /** The samples of frames [first, last] (absolute indices, all still kept), in order. */
  private samples(first: number, last: number): Float32Array {
    const out = new Float32Array((last - first + 1) * FRAME);
    for (let f = first; f <= last; f++) out.set(this.pcm.subarray((f % KEPT) * FRAME, (f % KEPT + 1) * FRAME), (f - first) * FRAME);
    return out;
  }

  get heard(): Heard {
    return { sit: this.sit, voiceMs: this.voiceFrames * 20 };
  }

  /** Whether anything conclusive was heard (a SIT, or an announcement). */
  get conclusive(): boolean {
    return this.sit !== null || this.voiceFrames * 20 >= ANNOUNCEMENT_MS;
  }

  private frame(i: number): void {
    const from = (i % KEPT) * FRAME;
    const to = from + FRAME;
    const e = meanSquare(this.pcm, from, to);
    this.power[i % KEPT] = e;
    this.zcr[i % KEPT] = zeroCrossings(this.pcm, from, to);
    let kind: FrameKind = 'silence';
    if (e >= SILENCE_POWER) {
      kind = 'other';
      const p = this.bank.run(this.pcm, from, to);
      let k = 0;
      for (let b = 0; b < BANDS.length; b++) {
        let best = -Infinity;
        for (let j = 0; j < BANDS[b]!.length; j++) best = Math.max(best, p[k++]!);
        if (best >= TONE_PURITY * e) kind = (b + 1) as 1 | 2 | 3;
      }
    }
    this.kinds[i % KEPT] = kind;
    if (kind === 'other' && this.speechLike(i)) {
      this.kinds[i % KEPT] = 'voice';
      this.voiceFrames++;
    }
    // a SIT ends with its band-3 tone: looked for while one sounds and on the frame after it (once
    // that tone is over, the frames that follow can only push the earlier tones out of reach)
    if (this.sit === null && (kind === 3 || (i > 0 && this.kinds[(i - 1) % KEPT] === 3))) this.sit = this.findSit(i);
  }

  /** Speech varies: over the last 10 frames, the zero-crossing rate or the energy spreads widely. */
  private speechLike(i: number): boolean {
    if (i < 9) return false;
    return spread(this.zcr, i) > 0.2 || spread(this.power, i) > 0.6;
  }

  /** Looks for band-1, band-2, band-3 tones ending at frame `i` (the third may still be sounding). */
  private findSit(i: number): SitKind | null {
    const tones: Tone[] = [];
    let gap = 0;
    // three tones and their gaps fit in 75 frames (1.5 s); no further back is looked at
    for (let f = i; f >= Math.max(0, i - 75) && tones.length <= 3; f--) {
      const k = this.kinds[f % KEPT]!;
      const last = tones[tones.length - 1];
      if (typeof k === 'number') {
        if (last && last.band === k && last.startFrame - f <= 1 + gap) {
          last.startFrame = f;
          last.frames++;
        } else tones.push({ band: k as 1 | 2 | 3, startFrame: f, frames: 1 });
        gap = 0;
      } else if (tones.length > 0 && ++gap > MAX_GAP_FRAMES) break;
    }
    // newest first: band 3, then 2, then 1
    const [t3, t2, t1] = tones;
    if (!t1 || !t2 || !t3 || t1.band !== 1 || t2.band !== 2 || t3.band !== 3) return null;
    if (t1.frames < MIN_TONE_FRAMES || t2.frames < MIN_TONE_FRAMES || t3.frames < MIN_TONE_FRAMES) return null;
    return this.classify(t1, t2);
  }

  /** The SIT's kind from its first two tones' measured frequencies and lengths. */
  private classify(t1: Tone, t2: Tone): SitKind {
    const f1 = this.nearest(t1, BANDS[0]);
    const f2 = this.nearest(t2, BANDS[1]);
    if (f1 === 950 || f2 === 1400) return 'e180';
    const long = (t: Tone) => t.frames * 20 >= 328; // between 276 and 380 ms
    const key = `${f1 === 913.8 ? 'L' : 'H'}${long(t1) ? 'l' : 's'}${f2 === 1370.6 ? 'L' : 'H'}${long(t2) ? 'l' : 's'}`;
    // Telcordia SR-2275 / GR-1162: first and second tone (the third is always 1776.7 Hz, long)
    const table: Record<string, SitKind> = {
      LsLs: 'intercept',
      HlLs: 'vacant-code',
      LsHl: 'reorder', // intra-LATA
      HsLl: 'reorder', // inter-LATA
      HlHl: 'no-circuit', // intra-LATA
      LlLl: 'no-circuit', // inter-LATA
      LlHs: 'ineffective-other',
    };
    return table[key] ?? 'unknown-telcordia';
  }

  /** Of `freqs`, the one strongest over the tone's whole length (its middle, away from the edges). */
  private nearest(t: Tone, freqs: readonly number[]): number {
    const x = this.samples(t.startFrame + 1, t.startFrame + t.frames - 2);
    let best = freqs[0]!;
    let bestPower = -1;
    for (const f of freqs) {
      const p = goertzel(x, 0, x.length, f);
      if (p > bestPower) [best, bestPower] = [f, p];
    }
    return best;
  }
}

export interface Classified {
  outcome: 'unavailable' | 'invalid_number';
  retryable: boolean;
  failureReason: string;
}

/**
 * What a SIT says (API.md's table): Telcordia vacant code and intercept mean no such number
 * (`invalid_number`, not retried); no circuit, reorder and the rest, and E.180's SIT, which carries
 * no cause, mean `unavailable` (retried). `failureReason` names what was heard.
 */
export function classifySit(kind: SitKind): Classified {
  if (kind === 'vacant-code' || kind === 'intercept') return { outcome: 'invalid_number', retryable: false, failureReason: `sit:${kind}` };
  return { outcome: 'unavailable', retryable: true, failureReason: kind === 'e180' ? 'sit' : `sit:${kind}` };
}
