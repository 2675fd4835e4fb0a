import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ulawOf } from '@autocall/audio';

/**
 * The labelled answering-machine test set (issue 18), generated, never downloaded: espeak-ng
 * speaks, sox band-limits it to the telephone band and makes line noise, this file puts the pieces
 * together. Every choice comes from a seeded generator, so the set is the same on every run; each
 * call's audio (8 kHz μ-law, from the 200 OK on) is cached under the system's tmp dir by a hash of
 * its parameters and the tools' versions, so only a first run pays for the generation.
 *
 * - person: a short greeting ("Halo?", "Hello?", "Ya, halo?"…), then silence: they wait for an answer;
 * - machine: a 4–8 s voicemail greeting, then a beep of 400–2000 Hz and the silence it records;
 *   one in four has no beep, only the long greeting.
 * Varied: language (id, en, ms) and espeak voice variant, speed, pitch, level, lead-in, and for
 * half of each kind white, pink or brown noise at −46…−30 dBFS.
 */
export type AmdLabel = 'human' | 'machine';

export interface AmdFixture {
  name: string;
  label: AmdLabel;
  params: FixtureParams;
  /** 8 kHz μ-law from the answer on */
  ulaw: Buffer;
}

interface FixtureParams {
  label: AmdLabel;
  text: string;
  voice: string;
  speed: number;
  pitch: number;
  /** linear gain of the speech */
  gain: number;
  leadMs: number;
  /** beep after a machine's greeting; null: none */
  beep: { hz: number; ms: number; gapMs: number } | null;
  /** silence after the greeting (person) or the beep (machine) */
  tailMs: number;
  noise: { kind: 'whitenoise' | 'pinknoise' | 'brownnoise'; vol: number } | null;
}

const PERSON_TEXTS: Record<string, string[]> = {
  id: ['Halo?', 'Ya, halo?', 'Halo', 'Iya, halo?', 'Halo, siapa?', 'Selamat pagi?'],
  en: ['Hello?', 'Yes, hello?', 'Hi?', 'Hello, who is it?'],
  ms: ['Helo?', 'Ya, helo?', 'Helo, siapa?'],
};
const MACHINE_TEXTS: Record<string, string[]> = {
  id: [
    'Halo, anda terhubung dengan kotak suara Budi. Saya tidak dapat menerima telepon anda. Silakan tinggalkan pesan setelah nada berikut.',
    'Terima kasih telah menelepon. Mohon maaf, saya sedang tidak dapat menjawab, silakan tinggalkan pesan anda.',
    'Nomor yang anda hubungi sedang tidak dapat menjawab panggilan. Silakan tinggalkan pesan suara setelah bunyi nada.',
  ],
  en: [
    'Hi, you have reached the voicemail of Budi. I cannot take your call right now. Please leave a message after the tone.',
    'Thank you for calling. Nobody is available to take your call at the moment, please leave your name and number after the beep.',
  ],
  ms: ['Helo, anda telah menghubungi peti suara saya. Saya tidak dapat menjawab panggilan anda sekarang. Sila tinggalkan pesanan selepas bunyi bip.'],
};
const VARIANTS = ['', '+m1', '+m3', '+m7', '+f1', '+f2', '+f4', '+klatt', '+klatt3', '+croak', '+Andy', '+Annie'];
const NOISES = ['whitenoise', 'pinknoise', 'brownnoise'] as const;
const BEEP_HZ = [400, 600, 800, 950, 1000, 1000, 1200, 1400, 1700, 2000];

/** mulberry32: a small seeded generator, so the set never changes between runs. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const between = (r: () => number, lo: number, hi: number): number => Math.round(lo + r() * (hi - lo));

/** The parameters of the set: `perLabel` person and as many machine calls. */
export function fixtureParams(perLabel = 40, seed = 18): FixtureParams[] {
  const r = seeded(seed);
  const out: FixtureParams[] = [];
  for (const label of ['human', 'machine'] as const) {
    for (let i = 0; i < perLabel; i++) {
      const lang = pick(r, ['id', 'id', 'en', 'ms']);
      const human = label === 'human';
      const texts = (human ? PERSON_TEXTS : MACHINE_TEXTS)[lang]!;
      const noisy = r() < 0.5;
      out.push({
        label,
        text: pick(r, texts),
        voice: lang + pick(r, VARIANTS),
        speed: human ? between(r, 120, 200) : between(r, 145, 200),
        pitch: between(r, 20, 80),
        gain: 0.3 + r() * 0.7,
        leadMs: between(r, 100, 700),
        beep: human || i % 4 === 3 ? null : { hz: pick(r, BEEP_HZ), ms: between(r, 200, 700), gapMs: between(r, 150, 500) },
        tailMs: human ? 4000 : 1500,
        noise: noisy ? { kind: pick(r, NOISES), vol: 0.005 + r() * 0.025 } : null,
      });
    }
  }
  return out;
}

const toolVersions = (() => {
  let v: string | null = null;
  return () => (v ??= execFileSync('espeak-ng', ['--version']).toString() + execFileSync('sox', ['--version']).toString());
})();

/** Telephone-band speech as 16-bit samples at 8 kHz. */
function speechPcm(p: FixtureParams, dir: string): Int16Array {
  const wav = join(dir, 'speech.wav');
  execFileSync('espeak-ng', ['-v', p.voice, '-s', String(p.speed), '-p', String(p.pitch), '-w', wav, p.text]);
  const raw = execFileSync('sox', [wav, '-r', '8000', '-c', '1', '-e', 'signed', '-b', '16', '-t', 'raw', '-', 'sinc', '300-3400', 'vol', p.gain.toFixed(3)], { maxBuffer: 1 << 24 });
  return new Int16Array(raw.buffer, raw.byteOffset, raw.length >> 1);
}

function noisePcm(kind: string, vol: number, samples: number): Int16Array {
  // -R: sox's repeatable random numbers, the same noise every run
  const raw = execFileSync('sox', ['-R', '-n', '-r', '8000', '-c', '1', '-e', 'signed', '-b', '16', '-t', 'raw', '-', 'synth', String(samples / 8000), kind, 'vol', vol.toFixed(4)], {
    maxBuffer: 1 << 24,
  });
  return new Int16Array(raw.buffer, raw.byteOffset, raw.length >> 1);
}

function render(p: FixtureParams): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'amd-fixture-'));
  try {
    const speech = speechPcm(p, dir);
    const ms = (n: number) => (n * 8000) / 1000;
    const beep = p.beep ? ms(p.beep.gapMs) + ms(p.beep.ms) : 0;
    const total = ms(p.leadMs) + speech.length + beep + ms(p.tailMs);
    const pcm = new Float64Array(total);
    let at = ms(p.leadMs);
    pcm.set(speech, at);
    at += speech.length;
    if (p.beep) {
      at += ms(p.beep.gapMs);
      for (let i = 0; i < ms(p.beep.ms); i++) pcm[at + i] = 0.3 * 32767 * Math.sin((2 * Math.PI * p.beep.hz * i) / 8000);
    }
    if (p.noise) {
      const n = noisePcm(p.noise.kind, p.noise.vol, total);
      for (let i = 0; i < Math.min(total, n.length); i++) pcm[i]! += n[i]!;
    }
    const out = Buffer.alloc(total);
    for (let i = 0; i < total; i++) out[i] = ulawOf(Math.max(-32768, Math.min(32767, Math.round(pcm[i]!))));
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const CACHE = join(tmpdir(), 'autocall-amd-fixtures');

/** One call's audio, from the cache or made now. */
export function fixtureAudio(p: FixtureParams): Buffer {
  const key = createHash('sha256').update(JSON.stringify(p)).update(toolVersions()).update('v2').digest('hex').slice(0, 24);
  const file = join(CACHE, `${key}.ulaw`);
  if (existsSync(file)) return readFileSync(file);
  mkdirSync(CACHE, { recursive: true });
  const audio = render(p);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, audio);
  renameSync(tmp, file); // atomic: two test workers never read half a file
  return audio;
}

/** The whole labelled set (≥ 40 of each kind by default). */
export function amdFixtures(perLabel = 40, seed = 18): AmdFixture[] {
  return fixtureParams(perLabel, seed).map((params, i) => ({
    name: `${params.label}-${String(i % perLabel).padStart(2, '0')} ${params.voice} -s${params.speed} -p${params.pitch}${params.noise ? ` ${params.noise.kind}` : ''}${params.beep ? ` beep ${params.beep.hz}Hz` : ''}: ${params.text.slice(0, 24)}`,
    label: params.label,
    params,
    ulaw: fixtureAudio(params),
  }));
}
