import dgram from 'node:dgram';
import { createHash } from 'node:crypto';
import type { SipCarrier } from '../../src/adapters/sip';
import { headerParam, parseCSeq, type SipRequest } from '../../src/adapters/sip/sip-message';
import { dialRequest, FakePeer, testCarrier } from './sip-test-kit';

/**
 * Protocol edges a scripted UDP peer produces more precisely than SIPp: timers, retransmitted
 * finals, RTP framing, challenge details, routing. Ports 16400–16499 keep clear of the SIPp suite.
 */
const rtpRange = { rtpPortMin: 16400, rtpPortMax: 16499 };
const branchOf = (req: SipRequest) => headerParam(req.headers.list('via')[0], 'branch');
const sdpAnswer = (port: number, pt: number) =>
  `v=0\r\no=peer 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio ${port} RTP/AVP ${pt}\r\n`;

describe('SIP carrier protocol', () => {
  let peer: FakePeer;
  let carrier: SipCarrier;
  beforeEach(async () => {
    peer = await FakePeer.start();
  });
  afterEach(async () => {
    await carrier.close();
    await peer.close();
  });

  test('when nobody answers, then INVITE is retransmitted at T1, 2T1, 4T1… and the call fails on timer B', async () => {
    ({ carrier } = testCarrier(peer.port, { ...rtpRange, t1Ms: 20 }));
    const started = Date.now();
    const result = await carrier.dial(dialRequest({ port: peer.port }));
    expect(result).toMatchObject({ outcome: 'failed', sipCode: null, failureReason: 'timeout', retryable: false });
    expect(Date.now() - started).toBeGreaterThanOrEqual(64 * 20);
    const invites = peer.requests('INVITE');
    expect(invites.length).toBeGreaterThanOrEqual(6);
    expect(invites.length).toBeLessThanOrEqual(7);
    expect(new Set(invites.map(branchOf)).size).toBe(1);
    const at = peer.received.map((r) => r.at - peer.received[0]!.at);
    expect(at[3]! - at[2]!).toBeGreaterThan((at[2]! - at[1]!) * 1.5); // doubling, not fixed
    expect(branchOf(invites[0]!)).toMatch(/^z9hG4bK[0-9a-f]{24}$/);
  });

  test('when the ring timeout passes before any provisional, then CANCEL waits for the 180', async () => {
    ({ carrier } = testCarrier(peer.port, rtpRange));
    const dialing = carrier.dial(dialRequest({ port: peer.port, ringTimeoutSeconds: 0.2 }));
    const { req: invite, from } = await peer.next('INVITE');
    await new Promise((r) => setTimeout(r, 500));
    expect(peer.requests('CANCEL')).toHaveLength(0);
    peer.respond(invite, from, 180, 'Ringing');
    const { req: cancel } = await peer.next('CANCEL', 1, 1000);
    expect(branchOf(cancel)).toBe(branchOf(invite));
    expect(parseCSeq(cancel.headers.get('cseq'))).toEqual({ seq: 1, method: 'CANCEL' });
    peer.respond(cancel, from, 200, 'OK');
    peer.respond(invite, from, 487, 'Request Terminated');
    expect(await dialing).toMatchObject({ outcome: 'no_answer', sipCode: 487 });
    const { req: ack } = await peer.next('ACK');
    expect(branchOf(ack)).toBe(branchOf(invite));
  });

  test('when a final error response is retransmitted, then each copy is ACKed again', async () => {
    ({ carrier } = testCarrier(peer.port, rtpRange));
    const dialing = carrier.dial(dialRequest({ port: peer.port }));
    const { req: invite, from } = await peer.next('INVITE');
    peer.respond(invite, from, 486, 'Busy Here');
    expect(await dialing).toMatchObject({ outcome: 'busy', sipCode: 486 });
    await peer.next('ACK', 1);
    peer.respond(invite, from, 486, 'Busy Here');
    const { req: ack2 } = await peer.next('ACK', 2);
    expect(branchOf(ack2)).toBe(branchOf(invite));
  });

  test('when answered with PCMA, then RTP is 20 ms A-law packets with continuous numbering, and the port is freed', async () => {
    ({ carrier } = testCarrier(peer.port, { ...rtpRange, hangupDelayMs: 50 }));
    const media = dgram.createSocket('udp4');
    await new Promise<void>((r) => media.bind(0, '127.0.0.1', () => r()));
    const packets: { pkt: Buffer; from: dgram.RemoteInfo }[] = [];
    media.on('message', (pkt, from) => packets.push({ pkt, from }));
    try {
      const dialing = carrier.dial(dialRequest({ port: peer.port, ms: 300 }));
      const { req: invite, from } = await peer.next('INVITE');
      expect(invite.body).toMatch(/m=audio \d+ RTP\/AVP 0 8/);
      const offeredPort = Number(/m=audio (\d+)/.exec(invite.body)![1]);
      expect(offeredPort % 2).toBe(0);
      expect(offeredPort).toBeGreaterThanOrEqual(16400);
      const ok = { headers: [['Contact', `<sip:peer@127.0.0.1:${peer.port}>`]] as [string, string][], body: { type: 'application/sdp', content: sdpAnswer(media.address().port, 8) } };
      peer.respond(invite, from, 200, 'OK', ok);
      const { req: ack } = await peer.next('ACK');
      expect(branchOf(ack)).not.toBe(branchOf(invite));
      peer.respond(invite, from, 200, 'OK', ok); // our ACK "got lost"
      const { req: ack2 } = await peer.next('ACK', 2);
      expect(branchOf(ack2)).toBe(branchOf(ack));

      const { req: bye, from: byeFrom } = await peer.next('BYE', 1, 3000);
      expect(headerParam(bye.headers.get('to'), 'tag')).toBe('peer1');
      expect(bye.uri).toBe(`sip:peer@127.0.0.1:${peer.port}`);
      peer.respond(bye, byeFrom, 200, 'OK');
      expect(await dialing).toMatchObject({ outcome: 'answered', hangupBy: 'system', sipCode: 200 });

      expect(packets).toHaveLength(15); // 300 ms / 20 ms
      const first = packets[0]!.pkt;
      packets.forEach(({ pkt, from: src }, i) => {
        expect(src.port).toBe(offeredPort);
        expect(pkt).toHaveLength(12 + 160);
        expect(pkt[0]).toBe(0x80);
        expect(pkt[1]).toBe((i === 0 ? 0x80 : 0) | 8);
        expect(pkt.readUInt16BE(2)).toBe((first.readUInt16BE(2) + i) & 0xffff);
        expect(pkt.readUInt32BE(4)).toBe((first.readUInt32BE(4) + 160 * i) >>> 0);
        expect(pkt.readUInt32BE(8)).toBe(first.readUInt32BE(8));
      });
      // The port went back to the pool: we can bind it ourselves now.
      const probe = dgram.createSocket('udp4');
      await new Promise<void>((resolve, reject) => {
        probe.once('error', reject);
        probe.bind(offeredPort, '0.0.0.0', () => resolve());
      });
      probe.close();
    } finally {
      media.close();
    }
  });

  test('when challenged with SHA-256, then the retry keeps Call-ID and From tag, bumps CSeq and answers correctly', async () => {
    ({ carrier } = testCarrier(peer.port, { ...rtpRange, username: 'trunkuser', password: 'pw' }));
    const dialing = carrier.dial(dialRequest({ port: peer.port }));
    const { req: first, from } = await peer.next('INVITE');
    peer.respond(first, from, 401, 'Unauthorized', { headers: [['WWW-Authenticate', 'Digest realm="carrier", nonce="abc", algorithm=SHA-256, qop="auth"']] });
    const { req: second } = await peer.next('INVITE', 2);
    await peer.next('ACK');
    expect(second.headers.get('call-id')).toBe(first.headers.get('call-id'));
    expect(headerParam(second.headers.get('from'), 'tag')).toBe(headerParam(first.headers.get('from'), 'tag'));
    expect(parseCSeq(second.headers.get('cseq'))).toEqual({ seq: 2, method: 'INVITE' });
    expect(branchOf(second)).not.toBe(branchOf(first));
    const auth = second.headers.get('authorization')!;
    const p = (k: string) => new RegExp(`${k}="?([^",]+)"?`).exec(auth)![1]!;
    const h = (s: string) => createHash('sha256').update(s).digest('hex');
    const ha1 = h('trunkuser:carrier:pw');
    const ha2 = h(`INVITE:${second.uri}`);
    expect(p('algorithm')).toBe('SHA-256');
    expect(p('response')).toBe(h(`${ha1}:abc:${p('nc')}:${p('cnonce')}:auth:${ha2}`));
    peer.respond(second, from, 486, 'Busy Here');
    expect(await dialing).toMatchObject({ outcome: 'busy', sipCode: 486 });
  });

  test('when an outbound proxy and a caller id are set, then the INVITE goes to the proxy with a Route and that caller id', async () => {
    ({ carrier } = testCarrier(5999, { ...rtpRange, trunkHost: 'trunk.example.net', trunkPort: 5060, outboundProxy: `127.0.0.1:${peer.port}`, from: '6221555000' }));
    const request = { ...dialRequest({ port: peer.port }), callerId: '+6221555123' };
    const dialing = carrier.dial(request);
    const { req: invite, from } = await peer.next('INVITE');
    expect(invite.uri).toBe('sip:+6287630021323@trunk.example.net');
    expect(invite.headers.get('route')).toBe(`<sip:127.0.0.1:${peer.port};lr>`);
    expect(invite.headers.get('from')).toMatch(/^<sip:\+6221555123@trunk\.example\.net>;tag=[0-9a-f]{16}$/);
    peer.respond(invite, from, 404, 'Not Found');
    expect(await dialing).toMatchObject({ outcome: 'invalid_number', sipCode: 404, retryable: false });
  });

  test('when two calls are placed, then their Call-IDs, tags and branches differ', async () => {
    ({ carrier } = testCarrier(peer.port, rtpRange));
    const calls = [carrier.dial(dialRequest({ port: peer.port })), carrier.dial(dialRequest({ port: peer.port }))];
    const a = await peer.next('INVITE', 1);
    const b = await peer.next('INVITE', 2);
    expect(a.req.headers.get('call-id')).not.toBe(b.req.headers.get('call-id'));
    expect(headerParam(a.req.headers.get('from'), 'tag')).not.toBe(headerParam(b.req.headers.get('from'), 'tag'));
    expect(branchOf(a.req)).not.toBe(branchOf(b.req));
    peer.respond(a.req, a.from, 603, 'Decline');
    peer.respond(b.req, b.from, 603, 'Decline');
    expect((await Promise.all(calls)).map((r) => r.outcome)).toEqual(['busy', 'busy']);
  });
});
