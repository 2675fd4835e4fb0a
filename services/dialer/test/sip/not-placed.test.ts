/**
 * music-metadata (the recording service) exports only import / module-sync conditions.
 * @jest-environment-options {"customExportConditions": ["node", "node-addons", "module-sync"]}
 */
import { createServer as createHttpServer, request as httpRequest } from 'node:http';
import { createServer } from 'node:net';
import type { Bus } from '@autocall/bus';
import { DialerTaskCancel, DialerTaskHold, DialerTaskRelease } from '@autocall/contracts';
import { asTenant, eventually, newTenantId, startTestService, type TestService } from '@autocall/testing';
import { buildApp, RECORDING_SCHEMA, recordingMigrations } from '../../../recording/src/app';
import { recordingConfigSchema, type RecordingConfig } from '../../../recording/src/config';
import { fileParts, fixture, multipart } from '../../../recording/test/helpers';
import { connectBus, dialerSql, EventLog, rosterOf, RosterStub, snapshot, startDialer, startTask, type Dialer } from '../helpers';
import { FakePeer, sippInstalled, startSipp } from './sip-test-kit';

/**
 * Calls the SIP carrier could not place — nothing was sent toward the callee — go back to the
 * queue: they are not calls, so no outcome, no call.completed, no attempt used. Against SIPp (the
 * callee side), the real recording service (the rendition) and a real dialer with CARRIER=sip.
 * Ports 15500–15599 (SIP, SIPp media) and 16500–16599 (our RTP) keep clear of the other SIP suites.
 */
const run = sippInstalled || process.env.CI ? describe : describe.skip;

async function freeTcpPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', () => resolve()));
  const { port } = srv.address() as { port: number };
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

run('calls the carrier could not place', () => {
  let recording: TestService<RecordingConfig>;
  let roster: RosterStub;
  let events: EventLog;
  let bus: Bus;
  const dialers: Dialer[] = [];

  beforeAll(async () => {
    if (!sippInstalled) throw new Error('sipp is not installed: apt-get install -y sip-tester');
    recording = await startTestService({ name: 'recording', schema: RECORDING_SCHEMA, migrations: recordingMigrations, configSchema: recordingConfigSchema, buildApp });
    roster = await RosterStub.start();
    events = await EventLog.start();
    bus = await connectBus();
  }, 60_000);
  // each test's dialer dials every task in this database: it must be gone before the next test
  afterEach(async () => {
    for (const d of dialers.splice(0)) await d.close();
  });
  afterAll(async () => {
    await recording?.close();
    await roster?.close();
    await events?.close();
    await bus?.close();
  });

  /** The recording service's HTTP address, listening from the first call on (`port` if given). */
  async function recordingUrl(port = 0): Promise<string> {
    if (!recording.app.server.listening) await recording.app.listen({ port, host: '127.0.0.1' });
    return `http://127.0.0.1:${(recording.app.server.address() as { port: number }).port}`;
  }

  async function uploadRecording(tenantId: string): Promise<{ id: string; durationMs: number }> {
    const body = multipart(fileParts(fixture('mono-8k.mp3'), 'mono-8k.mp3'));
    const res = await recording.app.inject({ method: 'POST', url: '/v1/recordings', headers: { ...asTenant(tenantId), ...body.headers }, payload: body.payload });
    expect(res.statusCode).toBe(201);
    return res.json();
  }

  async function sipDialer(sipPort: number, env: Record<string, string>): Promise<Dialer> {
    const d = await startDialer({
      CARRIER: 'sip',
      SIP_TRUNK_HOST: '127.0.0.1',
      SIP_TRUNK_PORT: String(sipPort),
      SIP_FROM: 'sip:autocall@127.0.0.1',
      SIP_LOCAL_PORT: '0',
      DIALER_NOT_PLACED_BACKOFF_MS: '100',
      DIALER_NOT_PLACED_MAX_BACKOFF_MS: '400',
      ...env,
    });
    dialers.push(d);
    return d;
  }

  /** The recording service behind a gate: every rendition fetch waits until `letThrough()`. */
  async function slowRecordingService(): Promise<{ url: string; letThrough: () => void; close: () => Promise<void> }> {
    const upstream = await recordingUrl();
    let letThrough: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (letThrough = resolve));
    const proxy = createHttpServer((req, res) => {
      void gate.then(() => {
        const up = httpRequest(`${upstream}${req.url}`, { method: req.method, headers: req.headers }, (r) => {
          res.writeHead(r.statusCode ?? 502, r.headers);
          r.pipe(res);
        });
        req.pipe(up);
      });
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', () => resolve()));
    const { port } = proxy.address() as { port: number };
    return { url: `http://127.0.0.1:${port}`, letThrough, close: () => new Promise<void>((resolve) => proxy.close(() => resolve())) };
  }

  const attemptsOf = (taskId: string) =>
    dialerSql<{ phone: string; attempt: number; status: string; outcome: string | null; not_placed: number; failure_reason: string | null }>(
      `SELECT phone, attempt, status, outcome, not_placed, failure_reason FROM call_attempts WHERE task_id = $1 ORDER BY row_number, attempt`,
      [taskId],
    );

  /** The calls list's start times and the csv report's Attempts / First Call At / Last Call At of each number. */
  async function shownAsCalls(dialer: Dialer, tenantId: string, taskId: string): Promise<{ startedAt: (string | null)[]; report: string[][] }> {
    const list = await dialer.app.inject({ method: 'GET', url: `/v1/tasks/${taskId}/calls`, headers: asTenant(tenantId) });
    expect(list.statusCode).toBe(200);
    const csv = await dialer.app.inject({ method: 'GET', url: `/v1/tasks/${taskId}/report?format=csv`, headers: asTenant(tenantId) });
    expect(csv.statusCode).toBe(200);
    const [header, ...lines] = csv.body.split('\r\n').filter((l) => l !== '');
    const cols = header.split(',');
    const at = (name: string) => cols.indexOf(name);
    return {
      startedAt: list.json().items.map((c: { startedAt: string | null }) => c.startedAt),
      report: lines.map((l) => l.split(',')).map((c) => [c[at('Outcome')], c[at('Attempts')], c[at('First Call At (UTC)')], c[at('Last Call At (UTC)')]]),
    };
  }

  it('when the recording service cannot give the rendition, then no INVITE is sent, the numbers wait queued with no attempt used, and once it answers each is called once and answered', async () => {
    const tenantId = newTenantId();
    const rec = await uploadRecording(tenantId);
    const httpPort = await freeTcpPort(); // the recording service is not listening there yet
    const sipPort = 15500;
    const sipp = await startSipp('uas-wait-bye', sipPort, { mediaPort: 15520, rtpEcho: true, timeoutSeconds: 60, calls: 5 });
    const dialer = await sipDialer(sipPort, { RECORDING_URL: `http://127.0.0.1:${httpPort}`, RTP_PORT_MIN: '16500', RTP_PORT_MAX: '16539', DIALER_NOT_PLACED_MAX_TRIES: '1000' });

    const s = snapshot({ tenantId, rosterId: roster.add(rosterOf(5)), total: 5, recordingId: rec.id, recordingDurationMs: rec.durationMs, dialing: { maxAttempts: 1, ringTimeoutSeconds: 10 } });
    events.watch(s.taskId);
    await startTask(bus, s);

    // every number was tried (and not placed) at least twice, yet is still queued as its first attempt
    await eventually(async () => {
      const rows = await attemptsOf(s.taskId);
      return rows.length === 5 && rows.every((r) => r.not_placed >= 2) ? rows : undefined;
    }, 20_000);
    const waiting = await attemptsOf(s.taskId);
    expect(waiting.every((r) => r.attempt === 1 && r.outcome === null && r.status !== 'completed')).toBe(true);
    expect(waiting.find((r) => r.status === 'queued')?.failure_reason).toMatch(/^not placed: recording not loaded/);
    expect(events.callsOf(s.taskId)).toEqual([]);
    expect(events.drained.find((d) => d.taskId === s.taskId)).toBeUndefined();
    const list = await dialer.app.inject({ method: 'GET', url: `/v1/tasks/${s.taskId}/calls`, headers: asTenant(tenantId) });
    expect(list.json().items.every((c: { status: string; outcome: string | null }) => c.status !== 'completed' && c.outcome === null)).toBe(true);

    // the recording service comes up: every number is called once, on its first attempt
    await recordingUrl(httpPort);
    expect(await events.drainedOf(s.taskId, 30_000)).toMatchObject({ finalCount: 5, cancelled: 0 });
    await eventually(() => events.callsOf(s.taskId).length === 5);
    expect(events.callsOf(s.taskId).map((c) => [c.attempt, c.outcome, c.hangupBy, c.final])).toEqual(Array(5).fill([1, 'answered', 'system', true]));
    // SIPp took exactly its 5 calls (-m 5) and saw each end well
    expect((await sipp.exit).code).toBe(0);
  }, 90_000);

  it('when a task is held while its claimed calls wait for the recording, then none is sent after the hold answered, and after release each number is called once', async () => {
    const tenantId = newTenantId();
    const rec = await uploadRecording(tenantId);
    const sipPort = 15501;
    const sipp = await startSipp('uas-wait-bye', sipPort, { mediaPort: 15540, rtpEcho: true, timeoutSeconds: 60, calls: 4 });
    const { url: slowUrl, letThrough, close } = await slowRecordingService();
    try {
      await sipDialer(sipPort, { RECORDING_URL: slowUrl, RTP_PORT_MIN: '16540', RTP_PORT_MAX: '16579' });
      const s = snapshot({ tenantId, rosterId: roster.add(rosterOf(4)), total: 4, recordingId: rec.id, recordingDurationMs: rec.durationMs, dialing: { maxAttempts: 1 } });
      events.watch(s.taskId);
      await startTask(bus, s);
      // all four are claimed (`dialing`) and wait for the rendition
      await eventually(async () => (await dialerSql(`SELECT 1 FROM call_attempts WHERE task_id = $1 AND status = 'dialing'`, [s.taskId])).length === 4, 20_000);

      await bus.request(DialerTaskHold, { tenantId, taskId: s.taskId });
      letThrough();
      // the claimed calls go back to the queue unplaced, as first attempts
      await eventually(async () => {
        const rows = await attemptsOf(s.taskId);
        return rows.length === 4 && rows.every((r) => r.status === 'queued' && r.attempt === 1 && r.not_placed === 1) ? rows : undefined;
      }, 20_000);
      expect(events.callsOf(s.taskId)).toEqual([]);

      await bus.request(DialerTaskRelease, { tenantId, taskId: s.taskId });
      expect(await events.drainedOf(s.taskId, 30_000)).toMatchObject({ finalCount: 4, cancelled: 0 });
      await eventually(() => events.callsOf(s.taskId).length === 4);
      expect(events.callsOf(s.taskId).map((c) => [c.attempt, c.outcome])).toEqual(Array(4).fill([1, 'answered']));
      // SIPp (-m 4) received exactly 4 calls in all, every one after the release
      expect((await sipp.exit).code).toBe(0);
    } finally {
      await close();
    }
  }, 90_000);

  it('when a task is cancelled while its claimed calls wait for the recording, then none is sent, they end cancelled (never called, not failed), and the task drains with the cancel\'s count', async () => {
    const tenantId = newTenantId();
    const rec = await uploadRecording(tenantId);
    const { url: slowUrl, letThrough, close } = await slowRecordingService();
    try {
      // no SIPp: a call sent would time out as failed "timeout"
      const dialer = await sipDialer(15503, { RECORDING_URL: slowUrl, RTP_PORT_MIN: '16540', RTP_PORT_MAX: '16579' });
      const s = snapshot({ tenantId, rosterId: roster.add(rosterOf(10)), total: 10, recordingId: rec.id, recordingDurationMs: rec.durationMs, dialing: { maxAttempts: 3, maxConcurrentCalls: 4 } });
      events.watch(s.taskId);
      await startTask(bus, s);
      await eventually(async () => (await dialerSql(`SELECT 1 FROM call_attempts WHERE task_id = $1 AND status = 'dialing'`, [s.taskId])).length === 4, 20_000);

      // the 4 claimed were never sent: the cancel counts them with the 6 queued
      const { cancelled } = await bus.request(DialerTaskCancel, { tenantId, taskId: s.taskId, total: 10 });
      expect(cancelled).toBe(10);
      letThrough();
      expect(await events.drainedOf(s.taskId, 30_000)).toMatchObject({ finalCount: 10, cancelled: 10 });
      // the four reach their pre-INVITE check once the recording loads, find themselves cancelled, and send nothing
      await eventually(() => dialer.app.dialer.callsInFlight === 0, 20_000);
      expect(events.callsOf(s.taskId)).toEqual([]);
      const rows = await attemptsOf(s.taskId);
      expect(rows.map((r) => r.status)).toEqual(Array(10).fill('cancelled'));
      // nobody was called: no call in the list, and the report shows ten cancelled numbers, no attempt made
      const shown = await shownAsCalls(dialer, tenantId, s.taskId);
      expect(shown.startedAt).toEqual([]);
      expect(shown.report).toEqual(Array(10).fill(['cancelled', '0', '', '']));
    } finally {
      await close();
    }
  }, 90_000);

  it('when the RTP port range is smaller than the channel limit, then calls that found no port are requeued, not failed, and every number is answered once', async () => {
    const tenantId = newTenantId();
    const rec = await uploadRecording(tenantId);
    const sipPort = 15502;
    const sipp = await startSipp('uas-wait-bye', sipPort, { mediaPort: 15560, rtpEcho: true, timeoutSeconds: 60, calls: 3 });
    // one RTP port, three channels: two of three concurrent calls find no port
    await sipDialer(sipPort, {
      RECORDING_URL: await recordingUrl(),
      RTP_PORT_MIN: '16580',
      RTP_PORT_MAX: '16580',
      SIP_MAX_CHANNELS: '3',
    });
    const s = snapshot({ tenantId, rosterId: roster.add(rosterOf(3)), total: 3, recordingId: rec.id, recordingDurationMs: rec.durationMs, dialing: { maxAttempts: 1 } });
    events.watch(s.taskId);
    await startTask(bus, s);
    expect(await events.drainedOf(s.taskId, 45_000)).toMatchObject({ finalCount: 3, cancelled: 0 });
    await eventually(() => events.callsOf(s.taskId).length === 3);
    expect(events.callsOf(s.taskId).map((c) => [c.attempt, c.outcome])).toEqual(Array(3).fill([1, 'answered']));
    const rows = await attemptsOf(s.taskId);
    expect(rows).toHaveLength(3);
    expect(rows.some((r) => r.not_placed > 0)).toBe(true);
    expect((await sipp.exit).code).toBe(0);
  }, 90_000);

  it('when the recording never loads, then after DIALER_NOT_PLACED_MAX_TRIES unplaced tries each number is settled failed "not placed: …" with no INVITE sent, counted as no call, and the task drains', async () => {
    const tenantId = newTenantId();
    const rec = await uploadRecording(tenantId);
    const httpPort = await freeTcpPort(); // nothing listens there: the rendition never loads
    // the trunk: records every request it gets (an INVITE would be a call)
    const trunk = await FakePeer.start(15504);
    try {
      const dialer = await sipDialer(trunk.port, { RECORDING_URL: `http://127.0.0.1:${httpPort}`, RTP_PORT_MIN: '16500', RTP_PORT_MAX: '16539', DIALER_NOT_PLACED_MAX_TRIES: '3' });
      const s = snapshot({ tenantId, rosterId: roster.add(rosterOf(4)), total: 4, recordingId: rec.id, recordingDurationMs: rec.durationMs, dialing: { maxAttempts: 3 } });
      events.watch(s.taskId);
      await startTask(bus, s);

      expect(await events.drainedOf(s.taskId, 30_000)).toMatchObject({ finalCount: 4, cancelled: 0 });
      await eventually(() => events.callsOf(s.taskId).length === 4);
      const calls = events.callsOf(s.taskId);
      expect(calls.map((c) => [c.attempt, c.outcome, c.hangupBy, c.answeredAt, c.durationMs, c.final])).toEqual(Array(4).fill([1, 'failed', null, null, 0, true]));
      for (const c of calls) expect(c.failureReason).toMatch(/^not placed: recording not loaded: /);
      // tried three times each (two requeues, settled on the third), first attempts only, never retried
      const rows = await attemptsOf(s.taskId);
      expect(rows.map((r) => [r.attempt, r.status, r.outcome, r.not_placed])).toEqual(Array(4).fill([1, 'completed', 'failed', 2]));
      expect(trunk.requests('INVITE')).toEqual([]);
      // nobody was called: no start time, and the report counts no call attempt
      const shown = await shownAsCalls(dialer, tenantId, s.taskId);
      expect(shown.startedAt).toEqual(Array(4).fill(null));
      expect(shown.report).toEqual(Array(4).fill(['failed', '0', '', '']));
    } finally {
      await trunk.close();
    }
  }, 90_000);

  it('when this replica\'s lease lapsed and the sweeper settled its claimed calls (interrupted, final) while they waited for the recording, then none of them is sent afterwards, nor requeued', async () => {
    const tenantId = newTenantId();
    const rec = await uploadRecording(tenantId);
    const trunk = await FakePeer.start(15505);
    const { url: slowUrl, letThrough, close } = await slowRecordingService();
    try {
      const dialer = await sipDialer(trunk.port, { RECORDING_URL: slowUrl, RTP_PORT_MIN: '16540', RTP_PORT_MAX: '16579' });
      const s = snapshot({ tenantId, rosterId: roster.add(rosterOf(3)), total: 3, recordingId: rec.id, recordingDurationMs: rec.durationMs, dialing: { maxAttempts: 3 } });
      events.watch(s.taskId);
      await startTask(bus, s);
      await eventually(async () => (await dialerSql(`SELECT 1 FROM call_attempts WHERE task_id = $1 AND status = 'dialing'`, [s.taskId])).length === 3, 20_000);

      // the lease renewal fails (as if this replica lost the database for a while): the leases run
      // out and the sweeper settles the attempts as interrupted — final, reported, the task drained
      await eventually(async () => {
        await dialerSql(`UPDATE call_attempts SET lease_until = now() - interval '1 second' WHERE task_id = $1 AND status = 'dialing'`, [s.taskId]);
        const rows = await attemptsOf(s.taskId);
        return rows.every((r) => r.status === 'completed');
      }, 20_000);
      expect(await events.drainedOf(s.taskId)).toMatchObject({ finalCount: 3, cancelled: 0 });
      await eventually(() => events.callsOf(s.taskId).length === 3);
      expect(events.callsOf(s.taskId).map((c) => [c.outcome, c.failureReason, c.final])).toEqual(Array(3).fill(['failed', 'interrupted', true]));

      // the rendition arrives: the replica reaches its last check before the INVITE for all three
      letThrough();
      await eventually(() => dialer.app.dialer.callsInFlight === 0, 20_000);
      expect(trunk.requests('INVITE')).toEqual([]);
      const rows = await attemptsOf(s.taskId);
      expect(rows.map((r) => [r.attempt, r.status, r.outcome, r.failure_reason, r.not_placed])).toEqual(Array(3).fill([1, 'completed', 'failed', 'interrupted', 0]));
      expect(events.callsOf(s.taskId)).toHaveLength(3);
      expect(events.drained.filter((d) => d.taskId === s.taskId)).toHaveLength(1);
    } finally {
      await close();
      await trunk.close();
    }
  }, 90_000);
});
