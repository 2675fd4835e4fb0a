import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Test audio, made here with sox and espeak-ng (Debian packages, installed by .ci/run), never
 * downloaded: 8 kHz mono μ-law, as a trunk sends it.
 */
export const audioToolsInstalled = spawnSync('sox', ['--version']).error === undefined && spawnSync('espeak-ng', ['--version']).error === undefined;

/** `ms` of a sine at `hz` (level `vol` of full scale), μ-law. */
export function tone(hz: number, ms: number, vol = 0.3): Buffer {
  return execFileSync('sox', ['-n', '-r', '8000', '-c', '1', '-e', 'u-law', '-t', 'raw', '-', 'synth', String(ms / 1000), 'sine', String(hz), 'vol', String(vol)], { maxBuffer: 1 << 24 });
}

export const silence = (ms: number): Buffer => Buffer.alloc((ms * 8000) / 1000, 0xff);

/** Telcordia SIT tone lengths: short 276 ms, long 380 ms. */
const S = 276;
const L = 380;
/** The three tones of each SIT (frequency, length), as the tables of Telcordia and ITU-T E.180 give them. */
export const SIT_TONES = {
  'vacant-code': [[985.2, L], [1370.6, S], [1776.7, L]],
  intercept: [[913.8, S], [1370.6, S], [1776.7, L]],
  'no-circuit': [[985.2, L], [1428.5, L], [1776.7, L]],
  reorder: [[913.8, S], [1428.5, L], [1776.7, L]],
  e180: [[950, 330], [1400, 330], [1800, 330]],
} as const;

/** A SIT as a network plays it: `lead` ms of silence, the three tones (no gaps for Telcordia, 30 ms for E.180), then silence. */
export function sit(kind: keyof typeof SIT_TONES, lead = 200, tail = 1000): Buffer {
  const gap = kind === 'e180' ? silence(30) : Buffer.alloc(0);
  const tones = SIT_TONES[kind].flatMap(([hz, ms], i) => (i === 0 ? [tone(hz, ms)] : [gap, tone(hz, ms)]));
  return Buffer.concat([silence(lead), ...tones, silence(tail)]);
}

/** Speech by espeak-ng (`voice`, e.g. "id" Indonesian; `speed` words per minute; `pitch` 0–99), μ-law. */
export function speech(text: string, opts: { voice?: string; speed?: number; pitch?: number } = {}): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'speech-'));
  try {
    const wav = join(dir, 'speech.wav');
    execFileSync('espeak-ng', ['-v', opts.voice ?? 'id', '-s', String(opts.speed ?? 160), '-p', String(opts.pitch ?? 50), '-w', wav, text]);
    return execFileSync('sox', [wav, '-r', '8000', '-c', '1', '-e', 'u-law', '-t', 'raw', '-'], { maxBuffer: 1 << 24 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** An Indonesian operator-style announcement: "the number you are calling is not active or out of coverage". */
export const announcement = (): Buffer => speech('Nomor yang anda tuju tidak aktif atau berada di luar jangkauan. Cobalah beberapa saat lagi.', { voice: 'id', speed: 150 });

/** μ-law audio as a WAV file (for SIPp's rtp_stream). */
export function ulawWav(ulaw: Buffer, file: string): string {
  execFileSync('sox', ['-r', '8000', '-c', '1', '-e', 'u-law', '-t', 'raw', '-', '-e', 'u-law', file], { input: ulaw });
  return file;
}

export const readBytes = (file: string): Buffer => readFileSync(file);

/** Two μ-law signals summed (decoded, added, re-encoded). */
export function mix(a: Buffer, b: Buffer): Buffer {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { ulawToLinear, ulawOf, toInt16 } = require('@autocall/audio') as typeof import('@autocall/audio');
  const out = Buffer.alloc(Math.min(a.length, b.length));
  for (let i = 0; i < out.length; i++) out[i] = ulawOf(toInt16(ulawToLinear(a[i]!) + ulawToLinear(b[i]!)));
  return out;
}

const DTMF: Record<string, [number, number]> = {
  '1': [697, 1209], '2': [697, 1336], '3': [697, 1477], '4': [770, 1209], '5': [770, 1336], '6': [770, 1477],
  '7': [852, 1209], '8': [852, 1336], '9': [852, 1477], '*': [941, 1209], '0': [941, 1336], '#': [941, 1477],
};

/** In-band DTMF: each key a dual tone of `ms`, then `gapMs` of silence. */
export function dtmfTones(keys: string, ms = 100, gapMs = 400): Buffer {
  return Buffer.concat([...keys].flatMap((k) => [mix(tone(DTMF[k]![0], ms, 0.2), tone(DTMF[k]![1], ms, 0.2)), silence(gapMs)]));
}
