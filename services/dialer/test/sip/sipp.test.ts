import type { SipCarrier, SipCallStats } from '../../src/adapters/sip';
import { dialRequest, sippInstalled, startSipp, testCarrier } from './sip-test-kit';

/**
 * The SIP carrier against SIPp, a real SIP peer: one SIPp UAS per callee behaviour, each on its
 * own port for exactly one call. In CI a missing sipp fails here instead of skipping.
 */
const run = sippInstalled || process.env.CI ? describe : describe.skip;

run('SIP carrier against SIPp', () => {
  let nextPort = 15060;
  let carrier: SipCarrier;
  let stats: SipCallStats[];
  let port: number;

  beforeAll(() => {
    if (!sippInstalled) throw new Error('sipp is not installed: apt-get install -y sip-tester');
  });

  beforeEach(() => {
    port = nextPort++;
    ({ carrier, stats } = testCarrier(port));
  });
  afterEach(() => carrier.close());

  const sipp = (name: string, rtpEcho = false) => startSipp(name, port, { mediaPort: 15600 + (port - 15060) * 4, rtpEcho });

  test('when the callee answers and hangs up first, then the call is answered, hung up by the callee', async () => {
    const peer = await sipp('uas-callee-bye');
    const result = await carrier.dial(dialRequest({ port, ms: 3000 }));
    expect(result).toMatchObject({ outcome: 'answered', hangupBy: 'callee', sipCode: 200, retryable: false });
    expect(result.answeredAt).not.toBeNull();
    expect((await peer.exit).code).toBe(0);
  });

  test.each([
    ['in the RTP worker thread', true],
    ['on the main thread (SIP_RTP_WORKER=false)', false],
  ])('when the callee answers and listens, then the whole recording is sent %s, echoed back, and we hang up', async (_where, rtpWorker) => {
    if (!rtpWorker) {
      await carrier.close();
      ({ carrier, stats } = testCarrier(port, { rtpWorker }));
    }
    const peer = await sipp('uas-wait-bye', true);
    const result = await carrier.dial(dialRequest({ port, ms: 1000 }));
    expect(result).toMatchObject({ outcome: 'answered', hangupBy: 'system', sipCode: 200 });
    expect((await peer.exit).code).toBe(0);
    // 1 s of audio is 50 packets of 20 ms; SIPp echoes each back to us.
    expect(stats[0]).toMatchObject({ packetsSent: 50, codec: 'PCMU' });
    expect(stats[0]!.packetsReceived).toBeGreaterThanOrEqual(48);
    expect(stats[0]!.packetsReceived).toBeLessThanOrEqual(52);
    expect(result.endedAt.getTime() - result.answeredAt!.getTime()).toBeGreaterThanOrEqual(1000);
  });

  test('when the RTP worker dies during a call, then that call ends with our BYE as failed "rtp worker died" (not a recording played to its end) and the next call plays in full on a new worker', async () => {
    const peer = await startSipp('uas-wait-bye', port, { mediaPort: 15600 + (port - 15060) * 4, rtpEcho: true, calls: 2 });
    const first = carrier.dial(dialRequest({ port, ms: 5000 }));
    await new Promise((r) => setTimeout(r, 1500)); // answered and playing by now
    const rtp = (carrier as unknown as { worker: { worker: import('node:worker_threads').Worker } }).worker;
    await rtp.worker.terminate();
    const cut = await first;
    // answered, then cut short: failed (never retried, no SMS), and not hung up "by the system" after the recording
    expect(cut).toMatchObject({ outcome: 'failed', failureReason: 'rtp worker died', hangupBy: null, sipCode: 200, retryable: false });
    expect(cut.answeredAt).not.toBeNull();
    expect(stats[0]).toMatchObject({ outcome: 'failed' });
    const second = await carrier.dial(dialRequest({ port, ms: 1000 }));
    expect(second).toMatchObject({ outcome: 'answered', hangupBy: 'system', sipCode: 200 });
    expect(stats[1]).toMatchObject({ packetsSent: 50, codec: 'PCMU' });
    expect(stats[1]!.packetsReceived).toBeGreaterThanOrEqual(48);
    expect((await peer.exit).code).toBe(0);
  });

  test('when it rings past the ring timeout, then we CANCEL and the call is no_answer with 487', async () => {
    const peer = await sipp('uas-ring-forever');
    const started = Date.now();
    const result = await carrier.dial(dialRequest({ port, ringTimeoutSeconds: 1 }));
    expect(result).toMatchObject({ outcome: 'no_answer', sipCode: 487, retryable: true, answeredAt: null });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect((await peer.exit).code).toBe(0);
  });

  test.each([
    ['uas-reject-486', 486, 'busy', true],
    ['uas-reject-600', 600, 'busy', true],
    ['uas-reject-603', 603, 'busy', true],
    ['uas-reject-480', 480, 'unavailable', true],
    ['uas-reject-480-cause19', 480, 'no_answer', true],
    ['uas-reject-404', 404, 'invalid_number', false],
    ['uas-reject-410', 410, 'invalid_number', false],
    ['uas-reject-484', 484, 'invalid_number', false],
    ['uas-reject-604', 604, 'invalid_number', false],
    ['uas-reject-480-cause1', 480, 'invalid_number', false],
    ['uas-reject-503-cause21', 503, 'busy', true],
    ['uas-reject-503', 503, 'unavailable', true],
    ['uas-reject-500', 500, 'failed', false],
  ] as const)('when the callee side answers %s, then the outcome is per the table', async (name, code, outcome, retryable) => {
    const peer = await sipp(name);
    const result = await carrier.dial(dialRequest({ port }));
    expect(result).toMatchObject({ outcome, sipCode: code, retryable, hangupBy: null, answeredAt: null });
    expect((await peer.exit).code).toBe(0);
  });

  test('when the trunk challenges with 401 and our credentials are right, then the call goes through', async () => {
    await carrier.close();
    ({ carrier, stats } = testCarrier(port, { username: 'autocall', password: 's3cret' }));
    const peer = await sipp('uas-auth-401');
    const result = await carrier.dial(dialRequest({ port, ms: 200 }));
    expect(result).toMatchObject({ outcome: 'answered', hangupBy: 'system', sipCode: 200 });
    expect((await peer.exit).code).toBe(0);
  });

  test('when the trunk challenges with 401 and our password is wrong, then the call fails on auth', async () => {
    await carrier.close();
    ({ carrier, stats } = testCarrier(port, { username: 'autocall', password: 'wrong' }));
    const peer = await sipp('uas-auth-401-wrong');
    const result = await carrier.dial(dialRequest({ port }));
    expect(result).toMatchObject({ outcome: 'failed', sipCode: 401, failureReason: 'auth', retryable: false });
    expect((await peer.exit).code).toBe(0);
  });

  test('when a proxy challenges with 407, then Proxy-Authorization gets the call through', async () => {
    await carrier.close();
    ({ carrier, stats } = testCarrier(port, { username: 'autocall', password: 's3cret' }));
    const peer = await sipp('uas-auth-407');
    const result = await carrier.dial(dialRequest({ port, ms: 200 }));
    expect(result).toMatchObject({ outcome: 'answered', hangupBy: 'system', sipCode: 200 });
    expect((await peer.exit).code).toBe(0);
  });
});
