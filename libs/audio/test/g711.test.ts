import { alawOf, alawToLinear, SILENCE, toInt16, ulawOf, ulawToAlaw, ulawToLinear } from '../src';

describe('G.711 (ITU-T G.711, Sun reference algorithm)', () => {
  it('encodes the known μ-law values (zero 0xff, full scale 0x80 / 0x00) and decodes full scale, both zeros and the first steps', () => {
    expect(ulawOf(0)).toBe(0xff);
    expect(ulawOf(32767)).toBe(0x80);
    expect(ulawOf(-32768)).toBe(0x00);
    // decoded values (G.711 table 2a): full scale ±32124, the two zeros, the first steps
    expect(ulawToLinear(0x80)).toBe(32124);
    expect(ulawToLinear(0x00)).toBe(-32124);
    expect(ulawToLinear(0xff)).toBe(0);
    expect(ulawToLinear(0x7f)).toBe(0);
    expect(ulawToLinear(0xfe)).toBe(8);
    expect(ulawToLinear(0xef)).toBe(132);
  });

  it('encodes the known A-law values: zero 0xd5 / 0x55, full scale 0xaa / 0x2a (even bits inverted)', () => {
    expect(alawOf(0)).toBe(0xd5);
    expect(alawOf(-1)).toBe(0x55);
    expect(alawOf(32767)).toBe(0xaa);
    expect(alawOf(-32768)).toBe(0x2a);
    expect(alawToLinear(0xd5)).toBe(8);
    expect(alawToLinear(0x55)).toBe(-8);
    expect(alawToLinear(0xaa)).toBe(32256);
    expect(alawToLinear(0x2a)).toBe(-32256);
  });

  it('round-trips every μ-law and A-law code through linear PCM', () => {
    for (let c = 0; c < 256; c++) {
      const u = ulawToLinear(c);
      // μ-law has two zeros (0xff, 0x7f); both decode to 0, which encodes as 0xff
      expect(ulawOf(u)).toBe(c === 0x7f ? 0xff : c);
      expect(alawOf(alawToLinear(c))).toBe(c);
    }
  });

  it('keeps the quantisation error within half a step of the sample\'s segment', () => {
    const worst = { u: 0, a: 0 };
    for (let pcm = -32768; pcm < 32768; pcm++) {
      const clipped = Math.max(-32124, Math.min(32124, pcm));
      // a step is 1/16 of its segment's base; half a step plus the rounding of the 14/13-bit input
      worst.u = Math.max(worst.u, Math.abs(ulawToLinear(ulawOf(pcm)) - clipped) - Math.abs(clipped) / 32);
      worst.a = Math.max(worst.a, Math.abs(alawToLinear(alawOf(pcm)) - pcm) - Math.abs(pcm) / 32);
    }
    expect(worst.u).toBeLessThanOrEqual(8);
    expect(worst.a).toBeLessThanOrEqual(16);
  });

  it('is monotonic: a louder sample never decodes quieter', () => {
    let lastU = -Infinity;
    let lastA = -Infinity;
    let backwards = 0;
    for (let pcm = -32768; pcm < 32768; pcm++) {
      const u = ulawToLinear(ulawOf(pcm));
      const a = alawToLinear(alawOf(pcm));
      if (u < lastU || a < lastA) backwards++;
      lastU = u;
      lastA = a;
    }
    expect(backwards).toBe(0);
  });

  it('transcodes μ-law to A-law through linear PCM', () => {
    expect([...ulawToAlaw(Buffer.from([0xff, 0x7f, 0x80, 0x00]))]).toEqual([0xd5, 0xd5, 0xaa, 0x2a]);
    for (let c = 0; c < 256; c++) expect(ulawToAlaw(Buffer.from([c]))[0]).toBe(alawOf(ulawToLinear(c)));
  });

  it('clips float samples to 16 bits', () => {
    expect(toInt16(0)).toBe(0);
    expect(toInt16(1)).toBe(32767);
    expect(toInt16(-1)).toBe(-32767);
    expect(toInt16(2)).toBe(32767);
    expect(toInt16(-2)).toBe(-32768);
  });

  it('pads with each law\'s silence by RTP payload type', () => {
    expect(SILENCE[0]).toBe(ulawOf(0));
    expect(SILENCE[8]).toBe(alawOf(0));
  });
});
