import type { CarrierDialog, DialRequest } from '../../src/domain/carrier';
import type { SipCarrier } from '../../src/adapters/sip';
import { readStoredDialog } from '../../src/adapters/sip/sip-dialog';
import { eventually } from '@autocall/testing';
import { dialRequest, sippInstalled, startSipp, testCarrier } from './sip-test-kit';

/**
 * No orphan calls, at the carrier: a call placed by one carrier (one process) whose process goes
 * silent (its SIP socket closed, as if killed) is ended by another carrier from the dialog stored
 * when it was placed — BYE, digest-authenticated when the trunk challenges it, for an answered
 * call; CANCEL, repeating the INVITE's Via and branch, for a ringing one. SIPp checks each on the
 * wire and exits 0 only if it got what it asked for.
 */
const run = sippInstalled || process.env.CI ? describe : describe.skip;

run('ending the calls of a dead carrier', () => {
  let nextPort = 15260;
  const open: SipCarrier[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.close()));
  });

  /** A carrier whose dialogs are stored as the dialer would (before the INVITE, then at the answer). */
  function placing(port: number, request: DialRequest, stored: CarrierDialog[], overrides = {}) {
    const { carrier } = testCarrier(port, { rtpPortMin: 16400, rtpPortMax: 16499, ...overrides });
    open.push(carrier);
    const call = carrier.dial({
      ...request,
      beforeSend: (send, dialog) => {
        if (dialog) stored.push(dialog);
        send();
        return Promise.resolve(true);
      },
      onDialog: (dialog) => {
        stored.push(dialog);
        return Promise.resolve();
      },
    });
    return { carrier, call };
  }

  /** The process goes silent: its SIP socket closes without a BYE or CANCEL. */
  async function kill(carrier: SipCarrier) {
    const { transport } = await carrier.start();
    await transport.close();
  }

  test('when an answered call’s carrier dies and the trunk challenges the BYE, then another carrier hangs it up with digest auth', async () => {
    const port = nextPort++;
    const peer = await startSipp('uas-orphan-bye-auth', port, { mediaPort: 15700, timeoutSeconds: 30 });
    const stored: CarrierDialog[] = [];
    const a = placing(port, dialRequest({ port, ms: 20_000 }), stored);
    const answered = await eventually(() => stored.find((d) => d.answered === true));
    // stored before the INVITE: what a CANCEL needs; at the answer: what a BYE needs
    expect(readStoredDialog(stored[0])).toMatchObject({ answered: false, cseq: 1 });
    expect(readStoredDialog(answered)).toMatchObject({ answered: true, callId: stored[0].callId, to: expect.stringMatching(/;tag=/) });
    const { port: deadPort } = (await a.carrier.start()).transport.advertised;
    await kill(a.carrier);
    // SIPp sends its answers (the 401 here) to the call's first peer, whatever the BYE's Via says:
    // the other carrier takes the dead one's port, as a restarted dialer on the same address would
    const { carrier: b } = testCarrier(port, { username: 'autocall', password: 's3cret', localPort: deadPort });
    open.push(b);
    const ended = b.endOrphan(JSON.parse(JSON.stringify(answered)) as CarrierDialog);
    const exit = await peer.exit;
    expect(await ended).toBe(true);
    expect([exit.code, exit.code === 0 ? '' : exit.output]).toEqual([0, '']);
  });

  test('when a ringing call’s carrier dies, then another carrier CANCELs it with the INVITE’s Via and branch', async () => {
    const port = nextPort++;
    const peer = await startSipp('uas-orphan-cancel', port, { mediaPort: 15704, timeoutSeconds: 30 });
    const stored: CarrierDialog[] = [];
    placing(port, dialRequest({ port, ms: 5_000, ringTimeoutSeconds: 60 }), stored);
    await eventually(() => stored.length > 0);
    await new Promise((r) => setTimeout(r, 300)); // the INVITE is out and ringing
    await kill(open[0]);
    const { carrier: b } = testCarrier(port);
    open.push(b);
    expect(await b.endOrphan(stored[stored.length - 1])).toBe(true);
    const exit = await peer.exit;
    expect([exit.code, exit.code === 0 ? '' : exit.output]).toEqual([0, '']);
  });

  test('when a stored dialog is not one of ours, then endOrphan drops it (true) and sends nothing', async () => {
    const { carrier } = testCarrier(nextPort++);
    open.push(carrier);
    expect(await carrier.endOrphan({ v: 9, callId: 'x' })).toBe(true);
  });
});
