import { spawnSync, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Bus } from '@autocall/bus';
import { eventually, newTenantId } from '@autocall/testing';
import { connectBus, dialerSql, dialersReady, EventLog, rosterOf, RosterStub, snapshot, spawnDialer, startDialer, startTask, type Dialer } from '../helpers';
import { sippInstalled, startSipp } from './sip-test-kit';

/**
 * Issue 18, "no orphan calls", end to end: a dialer process with CARRIER=sip holds 20 answered
 * calls to SIPp and is killed with SIGKILL (no BYE can leave it). The surviving replica settles
 * the 20 attempts as failed `interrupted` once their leases lapse and sends a BYE for each from
 * the dialog the victim stored; SIPp (uas-wait-bye, 20 calls) exits 0 only when all 20 BYEs came.
 * Nobody is called again.
 */
const CALLS = 20;
const LEASE_MS = 2000;
const SWEEP_MS = 500;
const run = sippInstalled || process.env.CI ? describe : describe.skip;
const root = join(__dirname, '..', '..', '..', '..');

async function freeUdpPort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', () => resolve()));
  const { port } = s.address();
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

run('a SIP dialer killed with answered calls up', () => {
  let victim: ChildProcess | undefined;
  let survivor: Dialer | undefined;
  let recordings: Server;
  let roster: RosterStub;
  let events: EventLog;
  let bus: Bus;

  beforeAll(async () => {
    if (!sippInstalled) throw new Error('sipp is not installed: apt-get install -y sip-tester');
    const build = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { cwd: root, encoding: 'utf8' });
    if (!existsSync(join(root, 'services/dialer/dist/main.js'))) throw new Error(`build failed: ${build.stderr}`);
    // the recording service's internal rendition endpoint: a minute of μ-law, so the calls stay up
    recordings = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(Buffer.alloc(60 * 8000, 0xff)));
    await new Promise<void>((resolve) => recordings.listen(0, '127.0.0.1', () => resolve()));
    roster = await RosterStub.start();
    events = await EventLog.start();
    bus = await connectBus();
  }, 60_000);
  afterAll(async () => {
    victim?.kill('SIGKILL');
    await survivor?.close();
    await roster?.close();
    await events?.close();
    await bus?.close();
    await new Promise((r) => recordings?.close(r));
  });

  it('when the dialer holding 20 answered calls is SIGKILLed, then the other replica sends a BYE for each within the lease and a sweep, and no number is called twice', async () => {
    const sipPort = await freeUdpPort();
    const sipp = await startSipp('uas-wait-bye', sipPort, { mediaPort: 15800, calls: CALLS, timeoutSeconds: 60 });
    const sipEnv = (rtpMin: number) => ({
      CARRIER: 'sip',
      SIP_TRUNK_HOST: '127.0.0.1',
      SIP_TRUNK_PORT: String(sipPort),
      SIP_FROM: 'sip:autocall@127.0.0.1',
      SIP_LOCAL_PORT: '0',
      RTP_PORT_MIN: String(rtpMin),
      RTP_PORT_MAX: String(rtpMin + 99),
      SIP_MAX_CHANNELS: String(CALLS),
      RECORDING_URL: `http://127.0.0.1:${(recordings.address() as AddressInfo).port}`,
      DIALER_LEASE_MS: String(LEASE_MS),
      DIALER_SWEEP_MS: String(SWEEP_MS),
      DIALER_TICK_MS: '20',
    });
    victim = spawnDialer('victim', sipEnv(17400));
    const tenantId = newTenantId();
    const s = snapshot({ tenantId, rosterId: roster.add(rosterOf(CALLS)), total: CALLS, recordingDurationMs: 60_000, dialing: { maxConcurrentCalls: CALLS, callsPerSecond: 100 } });
    events.watch(s.taskId);
    await dialersReady(1); // the victim consumes task events
    await startTask(bus, s);
    // all 20 answered, each with its dialog stored (the ACK waits for that)
    await eventually(
      async () =>
        (
          await dialerSql(`SELECT 1 FROM call_attempts WHERE task_id = $1 AND claimed_by = 'victim' AND status = 'dialing' AND (carrier_dialog->>'answered')::boolean`, [s.taskId])
        ).length === CALLS,
      20_000,
      50,
    ).catch(async (err: Error) => {
      const seen = await dialerSql(`SELECT status, claimed_by, outcome, failure_reason, carrier_dialog IS NOT NULL AS dialog FROM call_attempts WHERE task_id = $1`, [s.taskId]);
      throw new Error(`${err.message}: ${JSON.stringify(seen)}`);
    });
    // the survivor comes up now, so that it claims none of these calls itself
    survivor = await startDialer({ ...sipEnv(17500), DIALER_ID: 'survivor' });
    victim.kill('SIGKILL');
    await new Promise<void>((r) => victim!.once('exit', () => r()));
    victim = undefined;
    const killedAt = Date.now();

    const peer = await sipp.exit;
    const hungUpMs = Date.now() - killedAt;
    expect([peer.code, peer.code === 0 ? '' : peer.output]).toEqual([0, '']);
    // the contract's bound, with room for this shared machine's scheduling
    expect(hungUpMs).toBeLessThan(LEASE_MS + SWEEP_MS + 3000);
    process.stdout.write(`orphaned calls hung up ${hungUpMs} ms after the kill (lease ${LEASE_MS} + sweep ${SWEEP_MS})\n`);

    const rows = await eventually(async () => {
      const r = await dialerSql<{ phone: string; attempt: number; status: string; outcome: string; failure_reason: string }>(
        `SELECT phone, attempt, status, outcome, failure_reason FROM call_attempts WHERE task_id = $1`,
        [s.taskId],
      );
      return r.every((x) => x.status === 'completed') ? r : undefined;
    });
    expect(rows).toHaveLength(CALLS);
    expect(new Set(rows.map((r) => r.phone)).size).toBe(CALLS);
    expect(rows.every((r) => r.attempt === 1 && r.outcome === 'failed' && r.failure_reason === 'interrupted')).toBe(true);
    expect(await events.drainedOf(s.taskId, 20_000)).toMatchObject({ finalCount: CALLS, cancelled: 0 });
  }, 90_000);
});
