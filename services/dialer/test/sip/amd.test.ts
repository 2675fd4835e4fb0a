import dgram from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SipCarrier } from '../../src/adapters/sip';
import type { AmdSettings } from '../../src/domain/carrier';
import { dialRequest, FakePeer, sippInstalled, startSipp, testCarrier } from './sip-test-kit';
import { sippByeOk, sippResponse, sippSdp } from './sipp-xml';
import { audioToolsInstalled, silence, speech, tone, ulawWav } from './test-audio';

/**
 * Answering-machine detection against SIPp: the callee answers and streams a person ("Halo?",
 * then silence) or a machine (a voicemail greeting, a 1 kHz beep, then silence) with rtp_stream;
 * each onMachine action does what it says.
 */
const run = (sippInstalled && audioToolsInstalled) || process.env.CI ? describe : describe.skip;

function scenario(wav: string): string {
  return `<?xml version="1.0" encoding="ISO-8859-1"?>
<scenario name="amd">
  <recv request="INVITE" timeout="10000"/>
${sippResponse('200 OK', { sdp: sippSdp() })}
  <recv request="ACK" timeout="5000" crlf="true"/>
  <nop><action><exec rtp_stream="${wav},1,0"/></action></nop>
${sippByeOk(30_000)}
</scenario>`;
}

run('answering-machine detection against SIPp', () => {
  let nextPort = 15420;
  let carrier: SipCarrier;
  let dir: string;
  let person: string;
  let machine: string;
  /** ms from the answer to the machine's beep's end */
  let beepEndMs: number;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'amd-'));
    person = ulawWav(Buffer.concat([silence(300), speech('Halo?', { voice: 'id' }), silence(8000)]), join(dir, 'person.wav'));
    const greeting = speech('Halo, anda terhubung dengan kotak suara Budi. Silakan tinggalkan pesan setelah nada berikut.', { voice: 'id', speed: 170 });
    const machineAudio = Buffer.concat([silence(300), greeting, silence(300), tone(1000, 500), silence(8000)]);
    beepEndMs = 300 + greeting.length / 8 + 300 + 500;
    machine = ulawWav(machineAudio, join(dir, 'machine.wav'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  afterEach(() => carrier?.close());

  async function call(wav: string, amd: AmdSettings | null, recordingMs: number) {
    const port = nextPort++;
    const file = join(dir, `scenario-${port}.xml`);
    writeFileSync(file, scenario(wav));
    ({ carrier } = testCarrier(port, { rtpPortMin: 16700, rtpPortMax: 16799, amdMaxMs: 5000 }));
    const peer = await startSipp(file, port, { mediaPort: 18400 + (port - 15420) * 4, timeoutSeconds: 45 });
    const result = await carrier.dial({ ...dialRequest({ port, ms: recordingMs }), amd });
    const exit = await peer.exit;
    expect([exit.code, exit.code === 0 ? '' : exit.output]).toEqual([0, '']);
    return { ...result, talkMs: result.endedAt.getTime() - result.answeredAt!.getTime() };
  }

  test('when a person answers (onMachine hangup), then answeredBy human and the recording plays to its end', async () => {
    const r = await call(person, { enabled: true, onMachine: 'hangup' }, 3000);
    expect(r).toMatchObject({ outcome: 'answered', answeredBy: 'human', hangupBy: 'system' });
    expect(r.talkMs).toBeGreaterThanOrEqual(3000);
  });

  test('when a machine answers and onMachine is hangup, then answeredBy machine and the call ends once it is heard, long before the recording would', async () => {
    const r = await call(machine, { enabled: true, onMachine: 'hangup' }, 20_000);
    expect(r).toMatchObject({ outcome: 'answered', answeredBy: 'machine', hangupBy: 'system' });
    expect(r.talkMs).toBeLessThan(20_000);
  });

  test('when a machine answers and onMachine is play, then answeredBy machine and the recording plays to its end anyway', async () => {
    const r = await call(machine, { enabled: true, onMachine: 'play' }, 3000);
    expect(r).toMatchObject({ outcome: 'answered', answeredBy: 'machine', hangupBy: 'system' });
    expect(r.talkMs).toBeGreaterThanOrEqual(3000);
  });

  test('when a machine answers and onMachine is playAfterBeep, then the recording starts after the beep: the call lasts the beep plus the whole recording', async () => {
    const r = await call(machine, { enabled: true, onMachine: 'playAfterBeep' }, 2000);
    expect(r).toMatchObject({ outcome: 'answered', answeredBy: 'machine', hangupBy: 'system' });
    expect(r.talkMs).toBeGreaterThanOrEqual(beepEndMs + 2000);
  });

  test('when a person answers and onMachine is playAfterBeep, then the recording starts at the verdict and plays to its end', async () => {
    const r = await call(person, { enabled: true, onMachine: 'playAfterBeep' }, 2000);
    expect(r).toMatchObject({ outcome: 'answered', answeredBy: 'human', hangupBy: 'system' });
    expect(r.talkMs).toBeGreaterThanOrEqual(2000);
  });

  test('when the task has no AMD, then the call carries no answeredBy', async () => {
    const r = await call(machine, null, 1000);
    expect(r.outcome).toBe('answered');
    expect(r.answeredBy).toBeUndefined();
  });
});

run('answering-machine detection hears the callee’s stream only', () => {
  test('when a second RTP stream (another SSRC) sends a machine’s greeting beside the person’s “Halo?”, then only the first stream is heard: human', async () => {
    const peer = await FakePeer.start();
    const media = dgram.createSocket('udp4');
    await new Promise<void>((r) => media.bind(0, '127.0.0.1', () => r()));
    const { carrier } = testCarrier(peer.port, { rtpPortMin: 16700, rtpPortMax: 16799, amdMaxMs: 5000 });
    let timer: NodeJS.Timeout | undefined;
    try {
      const dialing = carrier.dial({ ...dialRequest({ port: peer.port, ms: 3000 }), amd: { enabled: true, onMachine: 'play' } });
      const { req: invite, from } = await peer.next('INVITE');
      const ourPort = Number(/m=audio (\d+)/.exec(invite.body)![1]);
      const sdp = `v=0\r\no=peer 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio ${media.address().port} RTP/AVP 0\r\n`;
      peer.respond(invite, from, 200, 'OK', { headers: [['Contact', `<sip:peer@127.0.0.1:${peer.port}>`]], body: { type: 'application/sdp', content: sdp } });
      await peer.next('ACK');
      const person = Buffer.concat([silence(200), speech('Halo?', { voice: 'id' }), silence(6000)]);
      const other = speech('Halo, anda terhubung dengan kotak suara. Silakan tinggalkan pesan setelah nada berikut.', { voice: 'en' });
      const packet = (ssrc: number, n: number, audio: Buffer) => {
        const h = Buffer.alloc(12);
        h[0] = 0x80;
        h.writeUInt16BE(n & 0xffff, 2);
        h.writeUInt32BE(n * 160, 4);
        h.writeUInt32BE(ssrc, 8);
        const body = audio.subarray(n * 160, n * 160 + 160);
        return Buffer.concat([h, body.length === 160 ? body : silence(20)]);
      };
      let n = 0;
      timer = setInterval(() => {
        media.send(packet(0x1111, n, person), ourPort, '127.0.0.1');
        media.send(packet(0x2222, n, other), ourPort, '127.0.0.1');
        n++;
      }, 20);
      const { req: bye, from: byeFrom } = await peer.next('BYE', 1, 15_000);
      peer.respond(bye, byeFrom, 200, 'OK');
      expect(await dialing).toMatchObject({ outcome: 'answered', answeredBy: 'human' });
    } finally {
      clearInterval(timer);
      media.close();
      await carrier.close();
      await peer.close();
    }
  });
});
