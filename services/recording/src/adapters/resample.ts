/**
 * Streaming band-limited resampler (windowed-sinc, Blackman window) for one channel. The low-pass
 * sits below the output's Nyquist frequency (3.6 kHz for 8 kHz telephony), so high tones do not
 * alias into the speech band. Input arrives in chunks; memory stays at one chunk plus the filter.
 */
export class Resampler {
  private readonly step: number;
  private readonly half: number;
  private readonly table: Float32Array;
  private readonly resolution = 64;
  private buf = new Float32Array(0);
  private base = 0;
  private produced = 0;
  private received = 0;

  constructor(
    private readonly inRate: number,
    private readonly outRate: number,
    zeroCrossings = 8,
  ) {
    this.step = inRate / outRate;
    const cutoff = Math.min(0.45 * outRate, 0.5 * inRate) / inRate; // cycles per input sample
    this.half = zeroCrossings / (2 * cutoff);
    const n = Math.ceil(this.half * this.resolution) + 2;
    this.table = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const d = i / this.resolution;
      const u = d / this.half;
      if (u > 1) continue;
      const x = 2 * cutoff * d;
      const sinc = x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
      const w = 0.42 + 0.5 * Math.cos(Math.PI * u) + 0.08 * Math.cos(2 * Math.PI * u);
      this.table[i] = 2 * cutoff * sinc * w;
    }
  }

  /** Adds input samples; calls `out` for every output sample that is now fully determined. */
  push(input: Float32Array, out: (v: number) => void): void {
    this.received += input.length;
    if (this.inRate === this.outRate) {
      for (let i = 0; i < input.length; i++) out(input[i]);
      return;
    }
    const merged = new Float32Array(this.buf.length + input.length);
    merged.set(this.buf);
    merged.set(input, this.buf.length);
    this.buf = merged;
    this.emit(out, false);
  }

  /** Ends the stream: the samples past the end count as silence. */
  flush(out: (v: number) => void): void {
    if (this.inRate === this.outRate) return;
    this.emit(out, true);
  }

  private emit(out: (v: number) => void, final: boolean) {
    const end = this.base + this.buf.length;
    for (;;) {
      const t = this.produced * this.step;
      if (final ? t >= this.received : Math.floor(t + this.half) >= end) break;
      const lo = Math.max(Math.ceil(t - this.half), this.base);
      const hi = Math.min(Math.floor(t + this.half), end - 1);
      const buf = this.buf;
      const table = this.table;
      const r = this.resolution;
      const center = Math.min(Math.floor(t), hi);
      let acc = 0;
      // left of t the distance shrinks by one sample per tap, right of it it grows: no abs, no round
      let pos = (t - lo) * r + 0.5;
      for (let k = lo; k <= center; k++, pos -= r) acc += buf[k - this.base] * table[pos | 0];
      pos = (center + 1 - t) * r + 0.5;
      for (let k = center + 1; k <= hi; k++, pos += r) acc += buf[k - this.base] * table[pos | 0];
      out(acc);
      this.produced++;
    }
    const keepFrom = Math.max(this.base, Math.floor(this.produced * this.step - this.half) - 1);
    if (keepFrom > this.base) {
      this.buf = this.buf.slice(keepFrom - this.base);
      this.base = keepFrom;
    }
  }
}
