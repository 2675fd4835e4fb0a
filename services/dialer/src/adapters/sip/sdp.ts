/** RTP payload types we can send: G.711 μ-law (PCMU) and A-law (PCMA), both 8 kHz. */
export type G711PayloadType = 0 | 8;

/** Our SDP: an offer of PCMU and PCMA, or (in a re-INVITE answer) just the codec in use. */
export function sdpOffer(opts: { host: string; port: number; sessionId: string; payloadTypes?: G711PayloadType[]; telephoneEvent?: boolean }): string {
  const pts = opts.payloadTypes ?? [0, 8];
  // RFC 4733 key presses, offered when the task collects DTMF
  const te = opts.telephoneEvent ? [`a=rtpmap:${TELEPHONE_EVENT_PT} telephone-event/8000`, `a=fmtp:${TELEPHONE_EVENT_PT} 0-16`] : [];
  return [
    'v=0',
    `o=autocall ${opts.sessionId} ${opts.sessionId} IN IP4 ${opts.host}`,
    's=autocall',
    `c=IN IP4 ${opts.host}`,
    't=0 0',
    `m=audio ${opts.port} RTP/AVP ${[...pts, ...(opts.telephoneEvent ? [TELEPHONE_EVENT_PT] : [])].join(' ')}`,
    ...pts.map((pt) => (pt === 0 ? 'a=rtpmap:0 PCMU/8000' : 'a=rtpmap:8 PCMA/8000')),
    ...te,
    'a=ptime:20',
    'a=sendrecv',
    '',
  ].join('\r\n');
}

/** The payload type we offer for RFC 4733 telephone-events. */
export const TELEPHONE_EVENT_PT = 101;

export interface SdpAnswer {
  address: string;
  port: number;
  payloadType: G711PayloadType;
  /** the answer's payload type for telephone-events (RFC 4733), or null: none (in-band DTMF only) */
  telephoneEvent: number | null;
}

/**
 * Where to send audio and in which codec, from the callee's answer: the first audio stream's
 * connection address (media-level wins over session-level) and the first G.711 type it lists.
 * Null when the answer rejects audio (port 0) or accepts neither codec.
 */
export function parseSdpAnswer(sdp: string): SdpAnswer | null {
  let sessionAddr: string | undefined;
  let mediaAddr: string | undefined;
  let port: number | undefined;
  let formats: string[] = [];
  let inAudio = false;
  let seenMedia = false;
  const rtpmaps = new Map<string, string>();
  for (const raw of sdp.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith('m=')) {
      if (port !== undefined) break; // only the first audio stream matters
      seenMedia = true;
      const [media, p, , ...fmts] = line.slice(2).split(/\s+/);
      inAudio = media === 'audio';
      if (inAudio) {
        port = Number(p);
        formats = fmts;
      }
    } else if (inAudio && line.startsWith('a=rtpmap:')) {
      const m = /^a=rtpmap:(\d+)\s+([^/\s]+)/.exec(line);
      if (m) rtpmaps.set(m[1]!, m[2]!.toLowerCase());
    } else if (line.startsWith('c=')) {
      const addr = line.split(/\s+/)[2];
      if (!seenMedia) sessionAddr = addr;
      else if (inAudio) mediaAddr = addr;
    }
  }
  const address = mediaAddr ?? sessionAddr;
  if (!address || !port || address === '0.0.0.0') return null;
  const pt = formats.find((f) => f === '0' || f === '8');
  if (pt === undefined) return null;
  const te = formats.find((f) => rtpmaps.get(f) === 'telephone-event');
  return { address, port, payloadType: Number(pt) as G711PayloadType, telephoneEvent: te === undefined ? null : Number(te) };
}
