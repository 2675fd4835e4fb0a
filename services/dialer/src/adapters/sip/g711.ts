/** μ-law byte → A-law byte, via linear PCM (ITU-T G.711), so one stored rendition serves both codecs. */
const ULAW_TO_ALAW = new Uint8Array(256);

function ulawToLinear(u: number): number {
  const v = ~u & 0xff;
  const t = (((v & 0x0f) << 3) + 0x84) << ((v & 0x70) >> 4);
  return v & 0x80 ? 0x84 - t : t - 0x84;
}

function linearToAlaw(pcm: number): number {
  let mask: number;
  let s = pcm;
  if (s >= 0) mask = 0xd5;
  else {
    mask = 0x55;
    s = -s - 1;
  }
  const ends = [0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff, 0x1fff, 0x3fff, 0x7fff];
  let seg = ends.findIndex((e) => s <= e);
  if (seg < 0) seg = 8;
  if (seg >= 8) return 0x7f ^ mask;
  const aval = seg << 4;
  return (aval | ((s >> (seg < 2 ? 4 : seg + 3)) & 0x0f)) ^ mask;
}

for (let i = 0; i < 256; i++) ULAW_TO_ALAW[i] = linearToAlaw(ulawToLinear(i));

export function ulawToAlaw(ulaw: Buffer): Buffer {
  const out = Buffer.allocUnsafe(ulaw.length);
  for (let i = 0; i < ulaw.length; i++) out[i] = ULAW_TO_ALAW[ulaw[i]!]!;
  return out;
}

/** Silence in each law, used to pad the last 20 ms packet. */
export const SILENCE = { 0: 0xff, 8: 0xd5 } as const;

export { ulawToLinear };
