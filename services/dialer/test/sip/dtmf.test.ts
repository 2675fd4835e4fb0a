import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SipCarrier } from '../../src/adapters/sip';
import type { DtmfSettings } from '../../src/domain/carrier';
import { dialRequest, sippInstalled, startSipp, testCarrier } from './sip-test-kit';
import { sippByeOk, sippResponse, sippSdp } from './sipp-xml';
import { audioToolsInstalled, dtmfTones, silence, ulawWav } from './test-audio';

/**
 * DTMF against SIPp: the callee presses 1 then 9 while our recording plays — as RFC 4733
 * telephone-events (SIPp's own captures, /usr/share/sip-tester/dtmf_2833_*.pcap, whose end packet
 * comes three times) when the answer takes our payload type 101, or as in-band tones when it does
 * not. The rules tag on 1 and opt out and hang up on 9.
 */
const run = (sippInstalled && audioToolsInstalled) || process.env.CI ? describe : describe.skip;

const RULES: DtmfSettings = {
  enabled: true,
  rules: [
    { digits: '1', action: 'tag', tag: 'interested' },
    { digits: '9', action: 'optOut', hangup: true },
  ],
};

function scenario(withTelephoneEvent: boolean, media: string): string {
  return `<?xml version="1.0" encoding="ISO-8859-1"?>
<scenario name="dtmf">
  <recv request="INVITE" timeout="10000"/>
${sippResponse('200 OK', { sdp: sippSdp({ telephoneEvent: withTelephoneEvent }) })}
  <recv request="ACK" timeout="5000" crlf="true"/>
  <pause milliseconds="500"/>
${media}
${sippByeOk()}
</scenario>`;
}

run('DTMF against SIPp', () => {
  let nextPort = 15460;
  let carrier: SipCarrier;
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'dtmf-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  afterEach(() => carrier?.close());

  async function call(name: string, xml: string, dtmf: DtmfSettings | null = RULES) {
    const port = nextPort++;
    const file = join(dir, `${name}.xml`);
    writeFileSync(file, xml);
    ({ carrier } = testCarrier(port, { rtpPortMin: 16600, rtpPortMax: 16699 }));
    const peer = await startSipp(file, port, { mediaPort: 18000 + (port - 15460) * 4, timeoutSeconds: 30 });
    const result = await carrier.dial({ ...dialRequest({ port, ms: 10_000 }), dtmf });
    const exit = await peer.exit;
    expect([exit.code, exit.code === 0 ? '' : exit.output]).toEqual([0, '']);
    return result;
  }

  test('when the answer takes telephone-event and the callee presses 1 then 9 (RFC 4733, end packets thrice), then each key counts once: tagged, opted out, hung up on 9', async () => {
    const pcap = (k: number) => `  <nop><action><exec play_pcap_audio="/usr/share/sip-tester/dtmf_2833_${k}.pcap"/></action></nop>`;
    // our BYE (the 9 ends the call) comes while SIPp waits for it, not during a pause
    const result = await call('rfc4733', scenario(true, [pcap(1), '  <pause milliseconds="1000"/>', pcap(9)].join('\n')));
    expect(result).toMatchObject({ outcome: 'answered', hangupBy: 'system', dtmf: '19', tags: ['interested'], optOut: true });
    expect(result.endedAt.getTime() - result.answeredAt!.getTime()).toBeLessThan(10_000); // ended on the 9, before the recording's end
  });

  test('when the answer has no telephone-event and the callee presses 1 then 9 as tones, then they are heard in-band', async () => {
    const wav = ulawWav(Buffer.concat([dtmfTones('19', 120, 600), silence(500)]), join(dir, 'inband.wav'));
    const result = await call('inband', scenario(false, `  <nop><action><exec rtp_stream="${wav},1,0"/></action></nop>`));
    expect(result).toMatchObject({ outcome: 'answered', hangupBy: 'system', dtmf: '19', tags: ['interested'], optOut: true });
  });

  test('when the task does not collect DTMF, then no keys are reported and the recording plays to its end', async () => {
    const pcap = `  <nop><action><exec play_pcap_audio="/usr/share/sip-tester/dtmf_2833_1.pcap"/></action></nop>`;
    const result = await call('off', scenario(true, pcap), null);
    expect(result).toMatchObject({ outcome: 'answered', hangupBy: 'system' });
    expect(result.dtmf).toBeUndefined();
  });
});
