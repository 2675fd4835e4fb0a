/**
 * Pieces of SIPp UAS scenarios that tests write on the fly (their audio files are made at run
 * time): one response template, the SDP answer, and the 200 to a BYE.
 */

/** An SDP answer; `telephoneEvent` adds payload type 101 (RFC 4733). */
export function sippSdp(opts: { telephoneEvent?: boolean } = {}): string {
  return [
    'v=0',
    'o=sipp 1 1 IN IP[local_ip_type] [local_ip]',
    's=-',
    'c=IN IP[media_ip_type] [media_ip]',
    't=0 0',
    `m=audio [media_port] RTP/AVP 0${opts.telephoneEvent ? ' 101' : ''}`,
    'a=rtpmap:0 PCMU/8000',
    ...(opts.telephoneEvent ? ['a=rtpmap:101 telephone-event/8000', 'a=fmtp:101 0-15'] : []),
  ].join('\n');
}

/** `<send>` of a response to the last request: our To tag unless `tag: false`, a Contact, an SDP body if given, a jump if `next`. */
export function sippResponse(status: string, opts: { tag?: boolean; sdp?: string; next?: string; headers?: string[] } = {}): string {
  return `  <send${opts.next ? ` next="${opts.next}"` : ''}><![CDATA[
SIP/2.0 ${status}
[last_Via:]
[last_From:]
[last_To:]${opts.tag === false ? '' : ';tag=[pid]SIPpTag01[call_number]'}
[last_Call-ID:]
[last_CSeq:]
Contact: <sip:[local_ip]:[local_port];transport=[transport]>
${[...(opts.headers ?? []), ''].join('\n')}${opts.sdp ? `Content-Type: application/sdp\nContent-Length: [len]\n\n${opts.sdp}` : 'Content-Length: 0\n'}
]]></send>`;
}

/** Waits for our BYE and answers it. */
export const sippByeOk = (timeoutMs = 15_000): string => `  <recv request="BYE" timeout="${timeoutMs}"/>\n${sippResponse('200 OK', { tag: false })}`;
