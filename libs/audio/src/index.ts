/**
 * G.711 companding (ITU-T G.711; the Sun reference algorithm, g711.c): 16-bit linear PCM to μ-law
 * and A-law and back. The encoders are lookup tables indexed by the linear sample + 32768 (64 KiB
 * each, built once); μ-law → A-law, which the SIP carrier needs to serve both codecs from the one
 * stored μ-law rendition, is a 256-byte table through linear PCM.
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

/** 16-bit linear sample → μ-law byte. */
export const ulawOf = (pcm16: number): number => ULAW[pcm16 + 32768];
/** 16-bit linear sample → A-law byte. */
export const alawOf = (pcm16: number): number => ALAW[pcm16 + 32768];

/** μ-law byte → 16-bit linear sample. */
export function ulawToLinear(u: number): number {
  const x = ~u & 0xff;
  const t = (((x & 0x0f) << 3) + 0x84) << ((x & 0x70) >> 4);
  return x & 0x80 ? 0x84 - t : t - 0x84;
}

/** A-law byte → 16-bit linear sample. */
export function alawToLinear(a: number): number {
  const x = a ^ 0x55;
  let t = (x & 0x0f) << 4;
  const seg = (x & 0x70) >> 4;
  if (seg === 0) t += 8;
  else if (seg === 1) t += 0x108;
  else t = (t + 0x108) << (seg - 1);
  return x & 0x80 ? t : -t;
}

const ULAW_TO_ALAW = new Uint8Array(256);
for (let i = 0; i < 256; i++) ULAW_TO_ALAW[i] = alawOf(ulawToLinear(i));

/** μ-law bytes → A-law bytes, via linear PCM, so one stored rendition serves both codecs. */
export function ulawToAlaw(ulaw: Buffer): Buffer {
  const out = Buffer.allocUnsafe(ulaw.length);
  for (let i = 0; i < ulaw.length; i++) out[i] = ULAW_TO_ALAW[ulaw[i]];
  return out;
}

/** Silence in each law by its RTP payload type (0 PCMU, 8 PCMA), used to pad the last 20 ms packet. */
export const SILENCE = { 0: 0xff, 8: 0xd5 } as const;
