import { digestAuthorization, parseChallenge, pickChallenge } from '../../src/adapters/sip/digest-auth';
import { mapFinalResponse } from '../../src/adapters/sip/outcome';
import { parseSdpAnswer, sdpOffer } from '../../src/adapters/sip/sdp';
import { headerParam, parseSipMessage, splitTopLevel } from '../../src/adapters/sip/sip-message';
import { ulawToAlaw } from '@autocall/audio';

const responseOf = (header: string): string => /response="([0-9a-f]+)"/.exec(header)![1]!;

describe('digest auth', () => {
  test('when challenged as in RFC 2617 §3.5 (MD5, qop=auth), then the response matches the RFC', () => {
    const ch = parseChallenge('Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"')!;
    const h = digestAuthorization(ch, { username: 'Mufasa', password: 'Circle Of Life', method: 'GET', uri: '/dir/index.html', cnonce: '0a4f113b', nc: 1 });
    expect(responseOf(h)).toBe('6629fae49393a05397450978507c4ef1');
    expect(h).toContain('qop=auth, nc=00000001');
    expect(h).toContain('opaque="5ccc069c403ebaf9f0171e9517f40e41"');
  });

  test.each([
    ['MD5', '8ca523f5e9506fed4657c9700eebdbec'],
    ['SHA-256', '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1'],
  ])('when challenged as in RFC 7616 §3.9.1 with %s, then the response matches the RFC', (algorithm, expected) => {
    const ch = parseChallenge(
      `Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=${algorithm}, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"`,
    )!;
    const h = digestAuthorization(ch, {
      username: 'Mufasa',
      password: 'Circle of Life',
      method: 'GET',
      uri: '/dir/index.html',
      cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
      nc: 1,
    });
    expect(responseOf(h)).toBe(expected);
  });

  test('when challenged with MD5-sess, then HA1 folds in the nonce and cnonce', () => {
    const ch = parseChallenge('Digest realm="r", nonce="n", algorithm=MD5-sess, qop="auth"')!;
    const h = digestAuthorization(ch, { username: 'u', password: 'p', method: 'INVITE', uri: 'sip:x@y', cnonce: 'c', nc: 1 });
    // md5(md5(u:r:p):n:c) then the qop=auth response, computed independently:
    const { createHash } = jest.requireActual<typeof import('node:crypto')>('node:crypto');
    const md5 = (s: string) => createHash('md5').update(s).digest('hex');
    const ha1 = md5(`${md5('u:r:p')}:n:c`);
    expect(responseOf(h)).toBe(md5(`${ha1}:n:00000001:c:auth:${md5('INVITE:sip:x@y')}`));
    expect(h).toContain('algorithm=MD5-SESS');
  });

  test('when several challenges are offered, then SHA-256 is preferred and unknown algorithms ignored', () => {
    const picked = pickChallenge(['Digest realm="a", nonce="1", algorithm=MD5', 'Digest realm="a", nonce="2", algorithm=SHA-256', 'Digest realm="a", nonce="3", algorithm=SHA-512-256']);
    expect(picked).toMatchObject({ nonce: '2', algorithm: 'SHA-256' });
  });
});

describe('outcome mapping (API.md table; a Q.850 cause wins)', () => {
  test.each([
    [486, [], false, 'busy', true],
    [600, [], false, 'busy', true],
    [603, [], false, 'busy', true],
    [408, [], false, 'no_answer', true],
    [487, [], true, 'no_answer', true],
    [487, [], false, 'failed', false],
    [480, [], false, 'unavailable', true],
    [480, ['Q.850;cause=19;text="No answer"'], false, 'no_answer', true],
    [480, ['SIP;cause=480', 'Q.850;cause=18'], false, 'unavailable', true],
    [503, ['Q.850;cause=17'], false, 'busy', true],
    [503, [], false, 'unavailable', true],
    [404, [], false, 'invalid_number', false],
    [410, [], false, 'invalid_number', false],
    [484, [], false, 'invalid_number', false],
    [604, [], false, 'invalid_number', false],
    [503, ['Q.850;cause=1'], false, 'invalid_number', false],
    [480, ['Q.850;cause=3'], false, 'invalid_number', false],
    [480, ['Q.850;cause=22'], false, 'invalid_number', false],
    [500, ['Q.850;cause=28'], false, 'invalid_number', false],
    [404, ['Q.850;cause=18'], false, 'unavailable', true],
    [500, ['Q.850;cause=20'], false, 'unavailable', true],
    [503, ['Q.850;cause=21'], false, 'busy', true],
    [500, [], false, 'failed', false],
    [403, [], false, 'failed', false],
    [502, ['Q.850;cause=41'], false, 'failed', false],
  ] as const)('%i with Reason %j (cancelled %s) → %s, retryable %s', (status, reasons, cancelled, outcome, retryable) => {
    expect(mapFinalResponse(status, 'Reason', [...reasons], cancelled)).toMatchObject({ outcome, retryable });
  });

  test('when a Q.850 cause decided, then failureReason names it beside the SIP status', () => {
    expect(mapFinalResponse(480, 'Temporarily Unavailable', ['Q.850;cause=1;text="Unallocated"'], false).failureReason).toBe('480 Temporarily Unavailable (Q.850 cause 1)');
    expect(mapFinalResponse(404, 'Not Found', [], false).failureReason).toBe('404 Not Found');
  });
});

describe('SIP and SDP parsing', () => {
  test('when a message uses compact headers and folding, then they read as full ones', () => {
    const msg = parseSipMessage(
      Buffer.from('SIP/2.0 180 Ringing\r\nv: SIP/2.0/UDP 1.2.3.4;branch=z9hG4bKa, SIP/2.0/UDP 5.6.7.8;branch=z9hG4bKb\r\nt: <sip:x@y>;tag=abc\r\ni: 42\r\nSubject: a\r\n b\r\nl: 0\r\n\r\n'),
    )!;
    expect(msg).toMatchObject({ kind: 'response', status: 180 });
    expect(headerParam(msg.headers.list('via')[0], 'branch')).toBe('z9hG4bKa');
    expect(headerParam(msg.headers.get('to'), 'tag')).toBe('abc');
    expect(msg.headers.get('call-id')).toBe('42');
    expect(msg.headers.get('subject')).toBe('a b');
  });

  test('when a list has commas in quotes or URIs, then it splits only at top level', () => {
    expect(splitTopLevel('"a, b" <sip:x;p=1,2>, <sip:y>')).toEqual(['"a, b" <sip:x;p=1,2>', '<sip:y>']);
  });

  test('when the answer picks PCMA with a media-level address, then that is where audio goes', () => {
    const sdp = 'v=0\r\no=- 1 1 IN IP4 9.9.9.9\r\ns=-\r\nc=IN IP4 9.9.9.9\r\nt=0 0\r\nm=audio 4000 RTP/AVP 8 101\r\nc=IN IP4 10.0.0.5\r\na=rtpmap:8 PCMA/8000\r\n';
    // 101 without its rtpmap is not known to be telephone-event
    expect(parseSdpAnswer(sdp)).toEqual({ address: '10.0.0.5', port: 4000, payloadType: 8, telephoneEvent: null });
  });

  test('when the answer keeps telephone-event (under its own payload type), then key presses are read from it; our offer has 101 only when a task collects keys', () => {
    const sdp = 'v=0\r\nc=IN IP4 10.0.0.5\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0 96\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:96 telephone-event/8000\r\n';
    expect(parseSdpAnswer(sdp)).toMatchObject({ payloadType: 0, telephoneEvent: 96 });
    expect(sdpOffer({ host: '127.0.0.1', port: 4000, sessionId: '1', telephoneEvent: true })).toMatch(/m=audio 4000 RTP\/AVP 0 8 101\r\n[\s\S]*a=rtpmap:101 telephone-event\/8000\r\na=fmtp:101 0-16/);
    expect(sdpOffer({ host: '127.0.0.1', port: 4000, sessionId: '1' })).not.toMatch(/telephone-event/);
  });

  test('when the answer rejects audio or offers no G.711, then there is no stream', () => {
    expect(parseSdpAnswer('v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio 0 RTP/AVP 0\r\n')).toBeNull();
    expect(parseSdpAnswer('v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio 4000 RTP/AVP 18\r\n')).toBeNull();
  });

  test('when μ-law silence and full scale are converted, then A-law has the matching codes (0xff and 0x7f are both zero)', () => {
    expect([...ulawToAlaw(Buffer.from([0xff, 0x7f, 0x80, 0x00]))]).toEqual([0xd5, 0xd5, 0xaa, 0x2a]);
  });
});
