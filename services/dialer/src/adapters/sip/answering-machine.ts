import { decodeG711, goertzel } from './call-audio-analysis';

/**
 * Answering-machine detection (issue 18, `dialing.amd`) on the callee's decoded G.711 audio from
 * the 200 OK on, 20 ms at a time. A heuristic, as every AMD is:
 *
 * - voice activity from each frame's energy against a tracked noise floor (so line noise is not
 *   speech), with its zero-crossing count telling a steady tone from speech;
 * - a person says a short greeting ("Halo?") and waits: a greeting of at most MAX_HUMAN_GREETING_MS
 *   followed by AFTER_GREETING_SILENCE_MS of silence → `human`;
 * - a machine speaks on: a greeting longer than MAX_HUMAN_GREETING_MS (pauses shorter than the
 *   after-greeting silence bridged) → `machine`; so does a beep (one steady tone of 100 ms or more,
 *   followed by no other tone: a SIT's three tones in a row are not a beep);
 * - nothing decided within `maxMs` of audio → `unknown`.
 *
 * Per frame: one pass for energy and zero crossings; only a loud frame whose zero crossings hold
 * steady is tested for a tone, with five Goertzel filters around the frequency the zero crossings
 * suggest. Memory per call is a few numbers and one 20 ms frame.
 */
export type AmdVerdict = 'human' | 'machine' | 'unknown';

const FRAME = 160; // 20 ms at 8 kHz
const FRAME_MS = 20;
/** A frame is voice when louder than this (mean square of 16-bit samples, about −40 dBFS)… */
const VOICE_MIN_POWER = 1e5;
/** …and this many times the noise floor (about 9 dB over it). */
const VOICE_OVER_FLOOR = 8;
/** The noise floor follows quieter frames at once and rises by at most this factor per frame (about 2 dB/s). */
const FLOOR_RISE = 1.01;
/** A person's greeting is at most this long (onset to the last voice, short pauses included). */
export const MAX_HUMAN_GREETING_MS = 2000;
/** Silence after a greeting that ends it: the person waits for an answer. */
export const AFTER_GREETING_SILENCE_MS = 800;
/** Fewer voice frames than this are a click or a breath, not a greeting. */
const MIN_GREETING_FRAMES = 5;
/** A tone frame: one frequency holds at least this share of the frame's energy. */
const TONE_PURITY = 0.7;
/** A beep lasts at least this many frames (100 ms)… */
const BEEP_MIN_FRAMES = 5;
/** …and is followed by this many frames that are no tone (a SIT's next tone follows at once). */
const BEEP_AFTER_FRAMES = 3;
/** Tone frames of one beep stay within this of its first frame's frequency. */
const BEEP_DRIFT_HZ = 60;
/** After a machine's greeting, this much silence with no beep: it records now (playAfterBeep starts). */
export const NO_BEEP_SILENCE_MS = 1500;

export interface AmdOptions {
  /** Audio (from the answer) after which an undecided call is `unknown`. */
  maxMs: number;
}

export class AnsweringMachineDetector {
  private readonly frameBuf = new Float32Array(FRAME);
  private pending = 0;
  private frames = 0;
  private floor = -1;
  private prevZcr = -1;
  private voiceFrames = 0;
  private greetingStart = -1;
  private lastVoice = -1;
  private toneFreq = 0;
  private toneFrames = 0;
  /** frames since the last tone run ended, and that run's length (0: none yet) */
  private sinceTone = 0;
  private lastToneFrames = 0;
  /** a tone run began right after another (a sequence, like a SIT's) */
  private toneChained = false;
  private decided: AmdVerdict | null = null;
  private decidedAtFrame = -1;
  private why: 'long-greeting' | 'beep' | 'short-greeting' | 'timeout' | null = null;
  private beepEndFrame = -1;

  constructor(private readonly opts: AmdOptions) {}

  /** One RTP payload (G.711, payload type 0 or 8); other payload types (telephone-events) are ignored. */
  push(pt: number, payload: Uint8Array): void {
    if (pt !== 0 && pt !== 8) return;
    let at = 0;
    while (at < payload.length) {
      const n = decodeG711(payload.subarray(at, at + FRAME - this.pending), pt, this.frameBuf, this.pending);
      at += n;
      this.pending += n;
      if (this.pending === FRAME) {
        this.pending = 0;
        this.frame();
      }
    }
  }

  /** The verdict, or null while undecided. */
  get verdict(): AmdVerdict | null {
    return this.decided;
  }

  /** What decided it, for logs and tests. */
  get reason(): string | null {
    return this.why;
  }

  /** ms of audio heard when the verdict came (−1: none yet). */
  get decidedAtMs(): number {
    return this.decidedAtFrame < 0 ? -1 : (this.decidedAtFrame + 1) * FRAME_MS;
  }

  /** ms of audio heard so far. */
  get heardMs(): number {
    return this.frames * FRAME_MS;
  }

  /** A beep was heard and is over. */
  get beepHeard(): boolean {
    return this.beepEndFrame >= 0;
  }

  /**
   * For `playAfterBeep`: a machine was heard and now records — its beep is over, or its greeting
   * was followed by NO_BEEP_SILENCE_MS of silence without one.
   */
  get machineRecording(): boolean {
    if (this.decided !== 'machine') return false;
    if (this.beepEndFrame >= 0) return true;
    return this.lastVoice >= 0 && this.sinceTone * FRAME_MS >= NO_BEEP_SILENCE_MS && (this.frames - 1 - this.lastVoice) * FRAME_MS >= NO_BEEP_SILENCE_MS;
  }

  /** Ends the detection now (the call's AMD_MAX_MS timer, whatever audio arrived): undecided → unknown. */
  timeout(): AmdVerdict {
    if (this.decided === null) this.decide('unknown', 'timeout');
    return this.decided!;
  }

  private decide(v: AmdVerdict, why: NonNullable<AnsweringMachineDetector['why']>): void {
    if (this.decided !== null) return;
    this.decided = v;
    this.why = why;
    this.decidedAtFrame = this.frames - 1;
  }

  private frame(): void {
    const i = this.frames++;
    const x = this.frameBuf;
    let e = 0;
    let z = 0;
    let prev = x[0]!;
    for (let k = 0; k < FRAME; k++) {
      const v = x[k]!;
      e += v * v;
      if (k > 0 && v < 0 !== prev < 0) z++;
      prev = v;
    }
    e /= FRAME;
    // noise floor: down at once, up slowly (speech never holds a frame's level for long)
    if (this.floor < 0 || e < this.floor) this.floor = e;
    else this.floor = Math.min(e, Math.max(this.floor, 1) * FLOOR_RISE);
    const loud = e >= VOICE_MIN_POWER && e >= VOICE_OVER_FLOOR * this.floor;

    const steady = this.prevZcr >= 0 && Math.abs(z - this.prevZcr) <= 3;
    this.prevZcr = z;
    const toneHz = loud && steady && z >= 8 ? this.toneOf(x, e, z) : 0;
    this.tone(toneHz);

    if (loud && toneHz === 0) {
      this.voiceFrames++;
      if (this.greetingStart < 0) this.greetingStart = i;
      this.lastVoice = i;
      if ((i - this.greetingStart + 1) * FRAME_MS > MAX_HUMAN_GREETING_MS) this.decide('machine', 'long-greeting');
    } else if (this.greetingStart >= 0 && this.voiceFrames >= MIN_GREETING_FRAMES && (i - this.lastVoice) * FRAME_MS >= AFTER_GREETING_SILENCE_MS) {
      this.decide('human', 'short-greeting');
    }
    if (this.decided === null && this.frames * FRAME_MS >= this.opts.maxMs) this.decide('unknown', 'timeout');
  }

  /** The frequency of a tone filling this frame, or 0: five Goertzel filters around the zero crossings' estimate. */
  private toneOf(x: Float32Array, e: number, z: number): number {
    const est = (z * 8000) / (2 * FRAME);
    let best = 0;
    let bestPower = 0;
    for (let d = -50; d <= 50; d += 25) {
      const f = est + d;
      if (f < 250 || f > 3400) continue;
      const p = goertzel(x, 0, FRAME, f);
      if (p > bestPower) [best, bestPower] = [f, p];
    }
    return bestPower >= TONE_PURITY * e ? best : 0;
  }

  /** Follows tone runs; a run of one frequency, long enough and not followed by another tone, is a beep. */
  private tone(hz: number): void {
    if (hz > 0) {
      if (this.toneFrames > 0 && Math.abs(hz - this.toneFreq) <= BEEP_DRIFT_HZ) {
        this.toneFrames++;
        return;
      }
      // a new run: chained when another run ended just before it, or this one replaces a run under way
      this.toneChained = this.toneFrames > 0 || (this.lastToneFrames > 0 && this.sinceTone <= BEEP_AFTER_FRAMES);
      if (this.toneFrames > 0) this.lastToneFrames = this.toneFrames;
      this.toneFreq = hz;
      this.toneFrames = 1;
      this.sinceTone = 0;
      return;
    }
    if (this.toneFrames > 0) {
      this.lastToneFrames = this.toneFrames;
      this.toneFrames = 0;
      this.sinceTone = 0;
    }
    this.sinceTone++;
    if (this.sinceTone === BEEP_AFTER_FRAMES && this.lastToneFrames >= BEEP_MIN_FRAMES && !this.toneChained) {
      this.beepEndFrame = this.frames - 1 - BEEP_AFTER_FRAMES;
      this.decide('machine', 'beep');
    }
  }
}

/** Runs the detector over a whole μ-law recording as 20 ms packets: the verdict and when it came. */
export function detectAnsweringMachine(ulaw: Uint8Array, opts: AmdOptions): { verdict: AmdVerdict; atMs: number; reason: string | null } {
  const d = new AnsweringMachineDetector(opts);
  for (let i = 0; i + FRAME <= ulaw.length && d.verdict === null; i += FRAME) d.push(0, ulaw.subarray(i, i + FRAME));
  const verdict = d.verdict ?? d.timeout();
  return { verdict, atMs: d.decidedAtMs, reason: d.reason };
}
