import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { MPEGDecoder } from 'mpg123-decoder';
import { alawOf, toInt16, ulawOf } from '@autocall/audio';
import { recordingErrors } from '../domain/errors';
import type { Mp3Analysis } from './mp3';
import { Resampler } from './resample';

export const TELEPHONY_RATE = 8000;
/** Frames decoded per slice; between slices the event loop runs, so a long file never stalls it. */
const FRAMES_PER_SLICE = 200;

export interface Rendition {
  /** 8 kHz mono G.711 μ-law */
  ulaw: Buffer;
  /** 8 kHz mono G.711 A-law (same samples) */
  alaw: Buffer;
}

/**
 * Decodes the frames (mpg123, WebAssembly, in-process), mixes to mono, resamples to 8 kHz and
 * encodes G.711. Any decoder error, or audio that falls short of what the frames promise,
 * rejects the file: nothing is stored half-broken.
 */
export async function makeRendition(mp3: Mp3Analysis): Promise<Rendition> {
  const decoder = new MPEGDecoder({ enableGapless: false });
  await decoder.ready;
  const capacity = Math.ceil((mp3.samples * TELEPHONY_RATE) / mp3.sampleRateHz) + 16;
  const ulaw = Buffer.allocUnsafe(capacity);
  const alaw = Buffer.allocUnsafe(capacity);
  let written = 0;
  const sink = (v: number) => {
    if (written >= capacity) return;
    const s = toInt16(v);
    ulaw[written] = ulawOf(s);
    alaw[written] = alawOf(s);
    written++;
  };
  let decoded = 0;
  let resampler: Resampler | undefined;
  try {
    for (let i = 0; i < mp3.frames.length; i += FRAMES_PER_SLICE) {
      const out = decoder.decodeFrames(mp3.frames.slice(i, i + FRAMES_PER_SLICE));
      if (out.errors.length > 0) {
        throw recordingErrors.RECORDING_CORRUPT(`The MPEG audio does not decode: ${out.errors[0].message} (frame ${i + out.errors[0].frameNumber}).`);
      }
      if (out.samplesDecoded === 0) continue;
      resampler ??= new Resampler(out.sampleRate, TELEPHONY_RATE);
      const mono = out.channelData.length === 1 ? out.channelData[0] : mixDown(out.channelData, out.samplesDecoded);
      resampler.push(mono.subarray(0, out.samplesDecoded), sink);
      decoded += out.samplesDecoded;
      await yieldToLoop();
    }
  } finally {
    decoder.free();
  }
  resampler?.flush(sink);
  // mpg123 may swallow a frame or two at the start; more than that missing is a broken stream.
  const missing = mp3.samples - decoded;
  if (decoded === 0 || missing > Math.max(2 * 1152, mp3.samples * 0.02)) {
    throw recordingErrors.RECORDING_CORRUPT(`Only ${decoded} of ${mp3.samples} samples decoded.`);
  }
  return { ulaw: ulaw.subarray(0, written), alaw: alaw.subarray(0, written) };
}

function mixDown(channels: Float32Array[], length: number): Float32Array {
  const mono = new Float32Array(length);
  const gain = 1 / channels.length;
  for (const ch of channels) for (let i = 0; i < length; i++) mono[i] += ch[i] * gain;
  return mono;
}
