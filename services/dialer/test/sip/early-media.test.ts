import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SipCarrier } from '../../src/adapters/sip';
import { dialRequest, sippInstalled, startSipp, testCarrier } from './sip-test-kit';
import { sippByeOk, sippResponse, sippSdp } from './sipp-xml';
import { announcement, audioToolsInstalled, sit, ulawWav } from './test-audio';

/**
 * Early media and false answers against SIPp: the UAS answers 183 with SDP and streams generated
 * audio (a SIT, an Indonesian announcement) with `rtp_stream`, then fails the call with a final
 * response; or answers 200 and streams a SIT. The outcome follows API.md's table, and
 * `failureReason` says what was heard.
 */
const run = (sippInstalled && audioToolsInstalled) || process.env.CI ? describe : describe.skip;

/** 183 with SDP, `audio` streamed as early media, then `final`. */
function earlyMediaScenario(wav: string, ms: number, final: string): string {
  return `<?xml version="1.0" encoding="ISO-8859-1"?>
<scenario name="early media then ${final}">
  <recv request="INVITE" timeout="10000"/>
${sippResponse('100 Trying', { tag: false })}
${sippResponse('183 Session Progress', { sdp: sippSdp() })}
  <nop><action><exec rtp_stream="${wav},1,0"/></action></nop>
  <pause milliseconds="${ms}"/>
${sippResponse(final)}
  <recv request="ACK" timeout="5000"/>
</scenario>`;
}

/** 200 with SDP, then `audio` streamed: a false answer; our BYE is expected. */
function falseAnswerScenario(wav: string): string {
  return `<?xml version="1.0" encoding="ISO-8859-1"?>
<scenario name="false answer">
  <recv request="INVITE" timeout="10000"/>
${sippResponse('100 Trying', { tag: false })}
${sippResponse('200 OK', { sdp: sippSdp() })}
  <recv request="ACK" timeout="5000" crlf="true"/>
  <nop><action><exec rtp_stream="${wav},1,0"/></action></nop>
${sippByeOk(10_000)}
</scenario>`;
}

run('early media and false answers against SIPp', () => {
  let nextPort = 15360;
  let carrier: SipCarrier;
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'early-media-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  afterEach(() => carrier?.close());

  async function callWith(xml: (wav: string) => string, audio: Buffer, name: string) {
    const port = nextPort++;
    const wav = ulawWav(audio, join(dir, `${name}.wav`));
    const file = join(dir, `${name}.xml`);
    writeFileSync(file, xml(wav));
    ({ carrier } = testCarrier(port, { rtpPortMin: 16500, rtpPortMax: 16599 }));
    const peer = await startSipp(file, port, { mediaPort: 15900 + (port - 15360) * 4, timeoutSeconds: 30 });
    const result = await carrier.dial(dialRequest({ port, ms: 8000, ringTimeoutSeconds: 30 }));
    const exit = await peer.exit;
    expect([exit.code, exit.code === 0 ? '' : exit.output]).toEqual([0, '']);
    return result;
  }
  const msOf = (ulaw: Buffer) => Math.ceil(ulaw.length / 8) + 300;

  test.each([
    ['vacant-code', '480 Temporarily Unavailable', 'invalid_number', false, 'sit:vacant-code'],
    ['intercept', '503 Service Unavailable', 'invalid_number', false, 'sit:intercept'],
    ['no-circuit', '503 Service Unavailable', 'unavailable', true, 'sit:no-circuit'],
    ['reorder', '480 Temporarily Unavailable', 'unavailable', true, 'sit:reorder'],
    ['e180', '480 Temporarily Unavailable', 'unavailable', true, 'sit'],
    ['e180', '404 Not Found', 'invalid_number', false, '404 Not Found'], // SIP says more than a SIT without a cause
  ] as const)('when early media plays a %s SIT and the call fails with %s, then it is %s (retried: %s), failureReason %s', async (kind, final, outcome, retryable, reason) => {
    const audio = sit(kind);
    const result = await callWith((wav) => earlyMediaScenario(wav, msOf(audio), final), audio, `${kind}-${final.slice(0, 3)}`);
    expect(result).toMatchObject({ outcome, retryable, failureReason: reason, sipCode: Number(final.slice(0, 3)), answeredAt: null });
  });

  test('when early media plays an operator announcement and the call fails with 480, then it is unavailable, early-media-announcement', async () => {
    const audio = announcement();
    const result = await callWith((wav) => earlyMediaScenario(wav, msOf(audio), '480 Temporarily Unavailable'), audio, 'announcement');
    expect(result).toMatchObject({ outcome: 'unavailable', retryable: true, failureReason: 'early-media-announcement', sipCode: 480 });
  });

  test('when early media plays an announcement and the call fails with 486, then it stays busy (SIP says more)', async () => {
    const audio = announcement();
    const result = await callWith((wav) => earlyMediaScenario(wav, msOf(audio), '486 Busy Here'), audio, 'announcement-busy');
    expect(result).toMatchObject({ outcome: 'busy', retryable: true, sipCode: 486 });
  });

  test('when the network answers 200 and plays a reorder SIT, then it is a false answer: we hang up, unavailable, not answered', async () => {
    const result = await callWith(falseAnswerScenario, sit('reorder', 300, 3000), 'false-answer');
    expect(result).toMatchObject({ outcome: 'unavailable', retryable: true, failureReason: 'false-answer sit:reorder', sipCode: 200, answeredAt: null, hangupBy: null });
  });
});
