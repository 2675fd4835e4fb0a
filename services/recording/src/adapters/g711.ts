/**
 * G.711 companding (ITU-T G.711, the Sun reference algorithm) through lookup tables indexed by
 * the 16-bit linear sample + 32768: 64 KiB each, built once.
 */
const SEG_UEND = [0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff, 0x1fff];
const SEG_AEND = [0x1f, 0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff];

function segment(value: number, ends: number[]): number {
  for (let i = 0; i < ends.length; i++) if (value <= ends[i]) return i;
  return ends.length;
}

function linearToUlaw(pcm: number): number {
  let v = pcm >> 2;
  let mask = 0xff;
  if (v < 0) {
    v = -v;
    mask = 0x7f;
  }
  if (v > 8159) v = 8159;
  v += 0x84 >> 2;
  const seg = segment(v, SEG_UEND);
  if (seg >= 8) return 0x7f ^ mask;
  return ((seg << 4) | ((v >> (seg + 1)) & 0x0f)) ^ mask;
}

function linearToAlaw(pcm: number): number {
  let v = pcm >> 3;
  let mask = 0xd5;
  if (v < 0) {
    mask = 0x55;
    v = -v - 1;
  }
  const seg = segment(v, SEG_AEND);
  if (seg >= 8) return 0x7f ^ mask;
  const aval = (seg << 4) | (seg < 2 ? (v >> 1) & 0x0f : (v >> seg) & 0x0f);
  return aval ^ mask;
}

const ULAW = new Uint8Array(65536);
const ALAW = new Uint8Array(65536);
for (let i = 0; i < 65536; i++) {
  ULAW[i] = linearToUlaw(i - 32768);
  ALAW[i] = linearToAlaw(i - 32768);
}

/** A float sample in [-1, 1] as a 16-bit linear sample (clipped). */
export function toInt16(v: number): number {
  const s = Math.round(v * 32767);
  return s > 32767 ? 32767 : s < -32768 ? -32768 : s;
}

export const ulawOf = (pcm16: number): number => ULAW[pcm16 + 32768];
export const alawOf = (pcm16: number): number => ALAW[pcm16 + 32768];

/** μ-law byte → 16-bit linear sample (for checks and players). */
export function ulawToLinear(u: number): number {
  const x = ~u & 0xff;
  const t = (((x & 0x0f) << 3) + 0x84) << ((x & 0x70) >> 4);
  return x & 0x80 ? 0x84 - t : t - 0x84;
}
