import { CallAudioAnalyser, classifySit, goertzel, GoertzelBank, type SitKind } from '../../src/adapters/sip/call-audio-analysis';
import { announcement, audioToolsInstalled, silence, sit, speech, tone } from './test-audio';

/** Unit tests of the SIT and announcement detector on generated audio (sox, espeak-ng), fed as 20 ms RTP payloads. */
const run = audioToolsInstalled || process.env.CI ? describe : describe.skip;

function hear(ulaw: Buffer) {
  const a = new CallAudioAnalyser();
  for (let i = 0; i + 160 <= ulaw.length; i += 160) a.push(0, ulaw.subarray(i, i + 160));
  return a.heard;
}

run('what the network plays instead of an answer', () => {
  test.each(['vacant-code', 'intercept', 'no-circuit', 'reorder', 'e180'] as const)('when a %s SIT plays, then it is heard as one', (kind) => {
    expect(hear(sit(kind))).toMatchObject({ sit: kind satisfies SitKind });
  });

  test('when a SIT is followed by an announcement, then the SIT is heard and so is the voice', () => {
    const heard = hear(Buffer.concat([sit('intercept', 100, 200), announcement()]));
    expect(heard.sit).toBe('intercept');
    expect(heard.voiceMs).toBeGreaterThanOrEqual(1000);
  });

  test('when an Indonesian operator announcement plays, then it is voice (an announcement), not a SIT', () => {
    const heard = hear(announcement());
    expect(heard.sit).toBeNull();
    expect(heard.voiceMs).toBeGreaterThanOrEqual(1000);
  });

  test('when ringback (440+480 Hz, 2 s on, 4 s off), a single steady tone or silence plays, then nothing is heard', () => {
    const ring = Buffer.concat([Buffer.from(mix(tone(440, 2000, 0.15), tone(480, 2000, 0.15))), silence(4000), Buffer.from(mix(tone(440, 2000, 0.15), tone(480, 2000, 0.15)))]);
    for (const audio of [ring, tone(1000, 3000), silence(3000), tone(950, 1000)]) expect(hear(audio)).toEqual({ sit: null, voiceMs: expect.any(Number) });
    expect(hear(ring).voiceMs).toBeLessThan(1000);
    expect(hear(tone(1000, 3000)).voiceMs).toBe(0);
  });

  test('when a short "Halo?" is said, then it is less than an announcement', () => {
    expect(hear(speech('Halo?', { voice: 'id' })).voiceMs).toBeLessThan(1000);
  });

  test('when the tones are out of order (a rising scale that is not a SIT), then no SIT is heard', () => {
    expect(hear(Buffer.concat([tone(1776.7, 380), tone(1370.6, 380), tone(913.8, 380), silence(500)])).sit).toBeNull();
  });

  test('SIT kinds map to the contract: vacant code and intercept are invalid_number, the rest unavailable', () => {
    expect(classifySit('vacant-code')).toEqual({ outcome: 'invalid_number', retryable: false, failureReason: 'sit:vacant-code' });
    expect(classifySit('intercept').outcome).toBe('invalid_number');
    expect(classifySit('reorder')).toEqual({ outcome: 'unavailable', retryable: true, failureReason: 'sit:reorder' });
    expect(classifySit('no-circuit').outcome).toBe('unavailable');
    expect(classifySit('e180')).toEqual({ outcome: 'unavailable', retryable: true, failureReason: 'sit' });
  });
});

/** Two μ-law signals summed (decoded, added, re-encoded) — a dual tone. */
function mix(a: Buffer, b: Buffer): Buffer {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { ulawToLinear, ulawOf, toInt16 } = require('@autocall/audio') as typeof import('@autocall/audio');
  const out = Buffer.alloc(Math.min(a.length, b.length));
  for (let i = 0; i < out.length; i++) out[i] = ulawOf(toInt16(ulawToLinear(a[i]!) + ulawToLinear(b[i]!)));
  return out;
}

describe('the Goertzel filter bank', () => {
  it('when eight filters run over a frame in one pass, then each answers exactly what one filter alone answers', () => {
    const freqs = [697, 770, 852, 941, 1209, 1336, 1477, 1633];
    const bank = new GoertzelBank(freqs);
    const x = new Float32Array(320);
    let seed = 7;
    for (let i = 0; i < x.length; i++) x[i] = ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31 - 0.5) * 20000 + 8000 * Math.sin(i * 0.6);
    for (const [from, to] of [[0, 160], [160, 320], [17, 300]]) {
      expect([...bank.run(x, from, to)]).toEqual(freqs.map((f) => goertzel(x, from, to, f)));
    }
    expect([...new GoertzelBank([950, 1400]).run(x, 0, 160)]).toEqual([950, 1400].map((f) => goertzel(x, 0, 160, f)));
    expect(() => new GoertzelBank([...freqs, 2000])).toThrow();
  });
});
