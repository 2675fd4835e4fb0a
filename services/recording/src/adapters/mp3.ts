import CodecParser, { type CodecFrame, type MPEGHeader } from 'codec-parser';
import { parseBuffer } from 'music-metadata';
import { recordingErrors } from '../domain/errors';

/**
 * Bytes that are neither MPEG frames nor tags: a truncated last frame (≤ 1441 bytes) fits; a
 * payload glued to the audio (a polyglot) does not.
 */
export const MAX_FOREIGN_BYTES = 2048;

export interface Mp3Analysis {
  /** The audio frames in order (the Xing/Info/VBRI header frame left out). */
  frames: Uint8Array[];
  samples: number;
  durationMs: number;
  bitrateKbps: number;
  sampleRateHz: number;
  channels: number;
}

const ascii = (b: Uint8Array, at: number, text: string) => {
  for (let i = 0; i < text.length; i++) if (b[at + i] !== text.charCodeAt(i)) return false;
  return true;
};

/** Where the audio lies once leading ID3v2 tags and trailing ID3v1/APEv2 tags are set aside. */
function audioRegion(b: Uint8Array): { start: number; end: number } {
  let start = 0;
  // A real ID3v2 header: version 2–4, and a size of four 7-bit bytes.
  const isId3 = (at: number) => ascii(b, at, 'ID3') && b[at + 3] >= 2 && b[at + 3] <= 4 && b[at + 4] !== 0xff && [6, 7, 8, 9].every((i) => b[at + i] < 0x80);
  while (start + 10 <= b.length && isId3(start)) {
    const size = ((b[start + 6] & 0x7f) << 21) | ((b[start + 7] & 0x7f) << 14) | ((b[start + 8] & 0x7f) << 7) | (b[start + 9] & 0x7f);
    start += 10 + size + (b[start + 5] & 0x10 ? 10 : 0);
  }
  let end = b.length;
  if (end - 128 >= start && ascii(b, end - 128, 'TAG')) end -= 128;
  if (end - 32 >= start && ascii(b, end - 32, 'APETAGEX')) {
    const view = new DataView(b.buffer, b.byteOffset + end - 32, 32);
    const size = view.getUint32(12, true);
    const hasHeader = (view.getUint32(20, true) & 0x80000000) !== 0;
    end = Math.max(start, end - size - (hasHeader ? 32 : 0));
  }
  return { start: Math.min(start, b.length), end };
}

/** The length a frame's header announces (Layer III: one-byte slots). */
function announcedLength(frame: CodecFrame): number {
  const h = frame.header as MPEGHeader;
  return Math.floor((frame.samples / 8) * (h.bitrate * 1000) / h.sampleRate) + (h.framePadding ? 1 : 0);
}

const isVbrHeaderFrame = (data: Uint8Array) => {
  for (let i = 4; i < Math.min(data.length - 4, 48); i++) if (ascii(data, i, 'Xing') || ascii(data, i, 'Info') || ascii(data, i, 'VBRI')) return true;
  return false;
};

/**
 * Decides from the bytes alone whether they are an MP3 and measures it. The container is
 * detected by music-metadata from the content (never a file name or MIME type, which would let
 * text "parse" as MPEG); the frames are then counted with codec-parser, and the duration is the
 * frames' (a header's claim is not trusted: a truncated file keeps its original header).
 */
export async function analyseMp3(bytes: Uint8Array, maxSeconds: number): Promise<Mp3Analysis> {
  if (bytes.length === 0) throw recordingErrors.RECORDING_CORRUPT('The file is empty.');
  const { start, end } = audioRegion(bytes);
  if (start > 0 && end - start < 4) throw recordingErrors.RECORDING_CORRUPT('The file holds an ID3 tag but no MPEG audio frames.');
  let container: string | undefined;
  let codec: string | undefined;
  try {
    const meta = await parseBuffer(bytes, undefined, { duration: false, skipCovers: true, skipPostHeaders: true });
    container = meta.format.container;
    codec = meta.format.codec;
  } catch {
    throw recordingErrors.RECORDING_NOT_MP3('The bytes are not a known audio format.');
  }
  if (container !== 'MPEG' || !codec || !/Layer 3$/.test(codec)) {
    throw recordingErrors.RECORDING_NOT_MP3(`The bytes are ${[container, codec].filter(Boolean).join(' / ') || 'an unknown format'}, not MP3.`);
  }

  if (end - start < 4) throw recordingErrors.RECORDING_CORRUPT('The file holds tags but no MPEG audio frames.');
  if (bytes[start] !== 0xff || (bytes[start + 1] & 0xe0) !== 0xe0) {
    throw recordingErrors.RECORDING_NOT_MP3('The file has bytes that are not MPEG audio before its first frame.');
  }

  const parsed = new CodecParser<CodecFrame>('audio/mpeg').parseAll(bytes.subarray(start, end));
  // parseAll hands back a cut-off last frame as it is; it is not audio.
  while (parsed.length > 0 && parsed[parsed.length - 1].data.length < announcedLength(parsed[parsed.length - 1])) parsed.pop();
  const frameBytes = parsed.reduce((n, f) => n + f.data.length, 0);
  const audio = parsed.length > 0 && isVbrHeaderFrame(parsed[0].data) ? parsed.slice(1) : parsed;
  if (audio.length === 0) throw recordingErrors.RECORDING_CORRUPT('No complete MPEG audio frame was found.');
  const foreign = end - start - frameBytes;
  if (foreign > MAX_FOREIGN_BYTES) {
    throw recordingErrors.RECORDING_NOT_MP3(`${foreign} bytes of the file are not MPEG audio frames or tags (a polyglot is refused).`);
  }

  const first = audio[0].header as MPEGHeader;
  let samples = 0;
  let audioBytes = 0;
  let constantBitrate = true;
  for (const f of audio) {
    const h = f.header as MPEGHeader;
    if (h.layer !== 'Layer III') throw recordingErrors.RECORDING_NOT_MP3('The stream mixes MPEG layers.');
    if (h.sampleRate !== first.sampleRate || h.channels !== first.channels) {
      throw recordingErrors.RECORDING_CORRUPT('The sample rate or channel count changes inside the stream.');
    }
    if (h.bitrate !== first.bitrate) constantBitrate = false;
    samples += f.samples;
    audioBytes += f.data.length;
  }
  const seconds = samples / first.sampleRate;
  if (seconds > maxSeconds) {
    throw recordingErrors.RECORDING_TOO_LONG(`The recording lasts ${seconds.toFixed(1)} s; at most ${maxSeconds} s are allowed.`);
  }
  return {
    frames: audio.map((f) => f.data),
    samples,
    durationMs: Math.round(seconds * 1000),
    bitrateKbps: constantBitrate ? first.bitrate : Math.round((audioBytes * 8) / seconds / 1000),
    sampleRateHz: first.sampleRate,
    channels: first.channels,
  };
}
