/**
 * music-metadata (the recording service) exports only import / module-sync conditions.
 * @jest-environment-options {"customExportConditions": ["node", "node-addons", "module-sync"]}
 */
import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { tmpdir } from 'node:os';
import { eventually, sql } from '@autocall/testing';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { scenario, sippInstalled, udpPortBound } from '../../services/dialer/test/sip/sip-test-kit';
import { sippByeOk, sippResponse, sippSdp } from '../../services/dialer/test/sip/sipp-xml';
import { announcement, silence, sit, speech, tone, ulawWav } from '../../services/dialer/test/sip/test-audio';
import { allPages, call, e164, newTenant, OPEN_DIALING, rosterRows, startPlatform, uploadRecording, uploadRoster, type Platform } from './platform';

/**
 * Issue 7's end-to-end test: the same platform, with the dialer's carrier a real SIP user agent
 * (CARRIER=sip) calling a SIPp UAS that answers every call and waits for our BYE, echoing our RTP.
 * A task of 20 numbers through the gateway completes with 20 answered calls and 20 disconnect SMS.
 * In CI a missing sipp fails here instead of skipping.
 */
const CALLS = 20;
const run = sippInstalled || process.env.CI ? describe : describe.skip;

/** A UDP port nothing holds now (with `span - 1` free ports after it, for SIPp's media ports). */
async function freeUdpPort(span = 1): Promise<number> {
  const free = (port: number) =>
    new Promise<boolean>((resolve) => {
      const s = dgram.createSocket('udp4');
      s.once('error', () => resolve(false));
      s.bind(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
  for (let i = 0; i < 200; i++) {
    const base = 20000 + Math.floor(Math.random() * 20000) * 2;
    let ok = true;
    for (let p = base; p < base + span && ok; p++) ok = await free(p);
    if (ok) return base;
  }
  throw new Error('no free UDP port');
}

/** SIPp as a UAS for `calls` calls under coreutils `timeout`; resolves once its SIP port is bound. */
async function startSipp(port: number, mediaPort: number, calls: number, name = 'uas-wait-bye', rtpEcho = true) {
  const args = ['45', 'sipp', '-sf', name.endsWith('.xml') ? name : scenario(name), '-i', '127.0.0.1', '-p', String(port), '-mp', String(mediaPort), '-m', String(calls), ...(rtpEcho ? ['-rtp_echo'] : []), '-nostdin'];
  const child = spawn('timeout', args, { cwd: tmpdir(), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-20_000)));
  child.stderr.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-20_000)));
  let exited = false;
  const exit = new Promise<{ code: number | null; output: string }>((resolve) =>
    child.on('close', (code) => {
      exited = true;
      resolve({ code, output });
    }),
  );
  await eventually(() => exited || udpPortBound(port), 5_000, 25);
  if (exited) throw new Error(`sipp exited at once: ${(await exit).output}`);
  return { exit, kill: () => child.kill('SIGTERM') };
}

run('the platform with a SIP trunk carrier against SIPp', () => {
  let p: Platform | undefined;
  let sipp: Awaited<ReturnType<typeof startSipp>> | undefined;
  let sipPort = 0;
  let mediaPort = 0;

  beforeAll(async () => {
    if (!sippInstalled) throw new Error('sipp is not installed: apt-get install -y sip-tester');
    sipPort = await freeUdpPort();
    mediaPort = await freeUdpPort(4);
    p = await startPlatform({
      dialerEnv: {
        CARRIER: 'sip',
        SIP_TRUNK_HOST: '127.0.0.1',
        SIP_TRUNK_PORT: String(sipPort),
        SIP_FROM: 'sip:autocall@127.0.0.1',
        SIP_LOCAL_PORT: '0',
        RTP_PORT_MIN: '17000',
        RTP_PORT_MAX: '17399',
        SIP_MAX_CHANNELS: String(CALLS),
      },
    });
    // After the platform is up, so that SIPp's own time limit counts from the test's start only.
    sipp = await startSipp(sipPort, mediaPort, CALLS);
  }, 40_000);
  afterAll(async () => {
    sipp?.kill();
    await p?.close();
  });

  it('when a task of 20 numbers runs through the gateway with CARRIER=sip, then all 20 are answered over SIP, each gets its disconnect SMS, and SIPp saw 20 good calls', async () => {
    const base = p!.url;
    const { auth } = await newTenant(base);
    const recording = await uploadRecording(base, auth);
    expect(recording.status).toBe(201);
    const rows = rosterRows(87630021400, CALLS);
    const roster = await uploadRoster(base, auth, rows);
    expect([roster.body.status, roster.body.failureReason, roster.body.counts.valid]).toEqual(['ready', null, CALLS]);
    const template = async (content: string) => (await call(base, 'POST', '/v1/sms-templates', { headers: auth, json: { name: 'T', content } })).body.id as string;
    const disconnect = await template('Thanks {{name}}, order {{Order Id}} is on its way.');
    const unanswered = await template('Sorry we missed you {{name}}.');
    expect((await call(base, 'PUT', '/v1/sms-account', { headers: auth, json: { provider: 'simulated', senderId: 'AUTOCALL', status: 'active' } })).status).toBe(200);

    const created = await call(base, 'POST', '/v1/tasks', {
      headers: auth,
      json: {
        name: 'SIP end to end',
        recordingId: recording.body.id,
        rosterId: roster.body.id,
        start: { mode: 'immediate' },
        sms: { onDisconnect: { enabled: true, templateId: disconnect }, onUnanswered: { enabled: true, templateId: unanswered } },
        dialing: { ...OPEN_DIALING, maxConcurrentCalls: CALLS, ringTimeoutSeconds: 10 },
      },
    });
    expect([created.status, created.text]).toEqual([201, expect.any(String)]);
    const taskId = created.body.id as string;

    let seen: unknown;
    const task = await eventually(
      async () => {
        const res = await call(base, 'GET', `/v1/tasks/${taskId}`, { headers: auth });
        seen = res.body;
        return res.body.status === 'completed' ? res.body : undefined;
      },
      30_000,
      200,
    ).catch(async (err: Error) => {
      // seen once in CI (not reproduced alone: 5.6 s a run): say where the task and the calls stood
      const calls = (await call(base, 'GET', `/v1/tasks/${taskId}/calls?limit=200`, { headers: auth })).body;
      throw new Error(`${err.message}\ntask: ${JSON.stringify(seen)}\ncalls: ${JSON.stringify(calls)}`);
    });
    expect(task.progress).toMatchObject({ total: CALLS, pending: 0, answered: CALLS, noAnswer: 0, busy: 0, unavailable: 0, invalidNumber: 0, failed: 0, percent: 100 });

    const calls = await allPages(base, auth, `/v1/tasks/${taskId}/calls`);
    expect(calls).toHaveLength(CALLS);
    expect(new Set(calls.map((c) => c.phone))).toEqual(new Set(rows.map((r) => e164(r.phone))));
    for (const c of calls) {
      expect(c).toMatchObject({ attempt: 1, status: 'completed', outcome: 'answered', hangupBy: 'system', sipCode: 200, failureReason: null });
      // The whole recording played (mono-8k.mp3 is about 2–3 s) before our BYE.
      expect(c.durationMs).toBeGreaterThanOrEqual(recording.body.durationMs - 100);
    }

    const sms = await eventually(
      async () => {
        const items = await allPages(base, auth, `/v1/sms-messages?taskId=${taskId}`);
        return items.length === CALLS && items.every((m) => m.status === 'sent') ? items : undefined;
      },
      15_000,
      100,
    );
    expect(sms.every((m) => m.kind === 'disconnect')).toBe(true);
    expect(new Set(sms.map((m) => m.phone)).size).toBe(CALLS);
    for (const m of sms) {
      const row = rows.find((r) => e164(r.phone) === m.phone)!;
      expect(m.text).toBe(`Thanks ${row.name}, order ${row.orderId} is on its way.`);
    }

    const peer = await sipp!.exit;
    expect([peer.code, peer.code === 0 ? '' : peer.output]).toEqual([0, '']);
  }, 50_000);

  it('when the trunk says some numbers do not exist (404; 480 with Q.850 cause 1) and one is off (480), then those are invalid_number, never retried and get no SMS, the off one is retried and gets its unanswered SMS, and /calls, the progress and the report say so', async () => {
    await sipp?.exit; // the first test's SIPp has ended: this one takes its port
    const base = p!.url;
    const { auth } = await newTenant(base);
    const recording = await uploadRecording(base, auth);
    const rows = rosterRows(87630021500, 10); // last digits 0–9: uas-by-number answers by the last digit
    const roster = await uploadRoster(base, auth, rows);
    expect(roster.body.counts.valid).toBe(10);
    const template = async (content: string) => (await call(base, 'POST', '/v1/sms-templates', { headers: auth, json: { name: 'T', content } })).body.id as string;
    const disconnect = await template('Thanks {{name}}.');
    const unanswered = await template('Sorry we missed you {{name}}.');
    expect((await call(base, 'PUT', '/v1/sms-account', { headers: auth, json: { provider: 'simulated', senderId: 'AUTOCALL', status: 'active' } })).status).toBe(200);
    // 10 first attempts and one retry of the powered-off number
    sipp = await startSipp(sipPort, mediaPort, 11, 'uas-by-number');
    const created = await call(base, 'POST', '/v1/tasks', {
      headers: auth,
      json: {
        name: 'SIP invalid numbers',
        recordingId: recording.body.id,
        rosterId: roster.body.id,
        start: { mode: 'immediate' },
        sms: { onDisconnect: { enabled: true, templateId: disconnect }, onUnanswered: { enabled: true, templateId: unanswered } },
        dialing: { ...OPEN_DIALING, maxConcurrentCalls: 10, ringTimeoutSeconds: 10, maxAttempts: 2, retryDelayMinutes: 0 },
      },
    });
    expect(created.status).toBe(201);
    const taskId = created.body.id as string;
    const task = await eventually(
      async () => {
        const res = await call(base, 'GET', `/v1/tasks/${taskId}`, { headers: auth });
        return res.body.status === 'completed' ? res.body : undefined;
      },
      30_000,
      200,
    );
    expect(task.progress).toMatchObject({ total: 10, pending: 0, answered: 7, unavailable: 1, invalidNumber: 2, noAnswer: 0, busy: 0, failed: 0, percent: 100 });

    const calls = await allPages(base, auth, `/v1/tasks/${taskId}/calls`);
    const of = (digit: string) => calls.filter((c) => c.phone.endsWith(digit)).map((c) => [c.attempt, c.outcome, c.sipCode, c.failureReason]);
    expect(of('4')).toEqual([[1, 'invalid_number', 404, '404 Not Found']]);
    expect(of('5')).toEqual([[1, 'invalid_number', 480, '480 Temporarily Unavailable (Q.850 cause 1)']]);
    expect(of('7')).toEqual([
      [1, 'unavailable', 480, '480 Temporarily Unavailable'],
      [2, 'unavailable', 480, '480 Temporarily Unavailable'],
    ]);
    expect(calls).toHaveLength(11);
    expect(calls.every((c) => c.answeredBy === null && c.dtmf === null && Array.isArray(c.tags) && c.tags.length === 0)).toBe(true);
    const invalidOnly = await call(base, 'GET', `/v1/tasks/${taskId}/calls?outcome=invalid_number`, { headers: auth });
    expect(invalidOnly.body.items.map((c: { phone: string }) => c.phone).sort()).toEqual([e164('87630021504'), e164('87630021505')]);

    const sms = await eventually(
      async () => {
        const items = await allPages(base, auth, `/v1/sms-messages?taskId=${taskId}`);
        return items.length >= 8 && items.every((m) => m.status === 'sent') ? items : undefined;
      },
      15_000,
      100,
    );
    await new Promise((r) => setTimeout(r, 500)); // a stray SMS for an invalid number would show by now
    const after = await allPages(base, auth, `/v1/sms-messages?taskId=${taskId}`);
    expect(after.map((m) => `${m.phone.slice(-1)}:${m.kind}`).sort()).toEqual(['0:disconnect', '1:disconnect', '2:disconnect', '3:disconnect', '6:disconnect', '7:unanswered', '8:disconnect', '9:disconnect']);
    expect(sms.length).toBe(8);

    const report = await call(base, 'GET', `/v1/tasks/${taskId}/report?format=csv`, { headers: auth });
    const lines = report.text.split(/\r?\n/).filter((l: string) => l.includes('87630021504') || l.includes('87630021505'));
    expect(lines).toHaveLength(2);
    expect(lines.every((l: string) => l.includes('invalid_number'))).toBe(true);

    const peer = await sipp!.exit;
    expect([peer.code, peer.code === 0 ? '' : peer.output]).toEqual([0, '']);
  }, 60_000);

  it('when the network plays SITs and an announcement in early media or after a 200, then /calls, the progress, the retries and the SMS follow the table', async () => {
    await sipp?.exit;
    const base = p!.url;
    const { auth } = await newTenant(base);
    const recording = await uploadRecording(base, auth);
    const rows = rosterRows(87630021600, 6); // last digits 0–5
    const roster = await uploadRoster(base, auth, rows);
    const template = async (content: string) => (await call(base, 'POST', '/v1/sms-templates', { headers: auth, json: { name: 'T', content } })).body.id as string;
    const disconnect = await template('Thanks {{name}}.');
    const unanswered = await template('Sorry we missed you {{name}}.');
    expect((await call(base, 'PUT', '/v1/sms-account', { headers: auth, json: { provider: 'simulated', senderId: 'AUTOCALL', status: 'active' } })).status).toBe(200);
    // by last digit: 1 vacant-code SIT, 2 reorder SIT, 3 announcement — each in early media, then 480;
    // 4 a 200 then a reorder SIT (a false answer); 0 and 5 answer
    const dir = mkdtempSync(join(tmpdir(), 'sit-e2e-'));
    const wav = (name: string, audio: Buffer) => ulawWav(audio, join(dir, `${name}.wav`));
    const vacant = wav('vacant', sit('vacant-code'));
    const reorder = wav('reorder', sit('reorder'));
    const speech = announcement();
    const announce = wav('announce', speech);
    const file = join(dir, 'by-number.xml');
    writeFileSync(file, byNumberEarlyMedia({ vacant, reorder, announce, announceMs: Math.ceil(speech.length / 8) + 300 }));
    // 6 first attempts and a retry each of 2, 3 and 4; no echo of our audio: the network's is the only stream back
    sipp = await startSipp(sipPort, mediaPort, 9, file, false);
    const created = await call(base, 'POST', '/v1/tasks', {
      headers: auth,
      json: {
        name: 'SIP early media',
        recordingId: recording.body.id,
        rosterId: roster.body.id,
        start: { mode: 'immediate' },
        sms: { onDisconnect: { enabled: true, templateId: disconnect }, onUnanswered: { enabled: true, templateId: unanswered } },
        dialing: { ...OPEN_DIALING, maxConcurrentCalls: 10, ringTimeoutSeconds: 20, maxAttempts: 2, retryDelayMinutes: 0 },
      },
    });
    expect(created.status).toBe(201);
    const taskId = created.body.id as string;
    const task = await eventually(
      async () => {
        const res = await call(base, 'GET', `/v1/tasks/${taskId}`, { headers: auth });
        return res.body.status === 'completed' ? res.body : undefined;
      },
      40_000,
      200,
    );
    const calls = await allPages(base, auth, `/v1/tasks/${taskId}/calls`);
    expect(task.progress).toMatchObject({ total: 6, pending: 0, answered: 2, unavailable: 3, invalidNumber: 1, failed: 0, percent: 100 });
    const of = (digit: string) => calls.filter((c) => c.phone.endsWith(digit)).map((c) => [c.attempt, c.outcome, c.sipCode, c.failureReason]);
    expect(of('1')).toEqual([[1, 'invalid_number', 480, 'sit:vacant-code']]);
    expect(of('2')).toEqual([
      [1, 'unavailable', 480, 'sit:reorder'],
      [2, 'unavailable', 480, 'sit:reorder'],
    ]);
    expect(of('3')).toEqual([
      [1, 'unavailable', 480, 'early-media-announcement'],
      [2, 'unavailable', 480, 'early-media-announcement'],
    ]);
    expect(of('4')).toEqual([
      [1, 'unavailable', 200, 'false-answer sit:reorder'],
      [2, 'unavailable', 200, 'false-answer sit:reorder'],
    ]);
    expect(calls.filter((c) => c.phone.endsWith('4')).every((c) => c.answeredAt === null && c.durationMs === 0)).toBe(true);
    const sms = await eventually(
      async () => {
        const items = await allPages(base, auth, `/v1/sms-messages?taskId=${taskId}`);
        return items.length >= 5 && items.every((m) => m.status === 'sent') ? items : undefined;
      },
      15_000,
      100,
    );
    await new Promise((r) => setTimeout(r, 500));
    const after = await allPages(base, auth, `/v1/sms-messages?taskId=${taskId}`);
    expect(after.map((m) => `${m.phone.slice(-1)}:${m.kind}`).sort()).toEqual(['0:disconnect', '2:unanswered', '3:unanswered', '4:unanswered', '5:disconnect']);
    expect(sms.length).toBe(5);
    const peer = await sipp!.exit;
    expect([peer.code, peer.code === 0 ? '' : peer.output]).toEqual([0, '']);
  }, 90_000);

  it('when callees press 1 then 9 (RFC 4733) on a task with DTMF rules, then the calls show the keys and the tag, the numbers are on the DNC list (source dtmf) and number.tagged is stored', async () => {
    await sipp?.exit;
    const base = p!.url;
    const { id: tenantId, auth } = await newTenant(base);
    const recording = await uploadRecording(base, auth);
    const rows = rosterRows(87630021700, 2);
    const roster = await uploadRoster(base, auth, rows);
    const dir = mkdtempSync(join(tmpdir(), 'dtmf-e2e-'));
    const file = join(dir, 'dtmf.xml');
    writeFileSync(file, dtmfScenario());
    sipp = await startSipp(sipPort, mediaPort, 2, file, false);
    const created = await call(base, 'POST', '/v1/tasks', {
      headers: auth,
      json: {
        name: 'SIP DTMF',
        recordingId: recording.body.id,
        rosterId: roster.body.id,
        start: { mode: 'immediate' },
        dialing: {
          ...OPEN_DIALING,
          maxConcurrentCalls: 2,
          dtmf: { enabled: true, rules: [{ digits: '1', action: 'tag', tag: 'interested' }, { digits: '9', action: 'optOut', hangup: true }] },
        },
      },
    });
    expect([created.status, created.body.dialing?.dtmf?.rules?.length]).toEqual([201, 2]);
    const taskId = created.body.id as string;
    await eventually(async () => (await call(base, 'GET', `/v1/tasks/${taskId}`, { headers: auth })).body.status === 'completed', 30_000, 200);
    const calls = await allPages(base, auth, `/v1/tasks/${taskId}/calls`);
    expect(calls.map((c) => [c.outcome, c.hangupBy, c.dtmf, c.tags])).toEqual([
      ['answered', 'system', '19', ['interested']],
      ['answered', 'system', '19', ['interested']],
    ]);
    for (const r of rows) {
      const listed = await call(base, 'GET', `/v1/dnc/${encodeURIComponent(e164(r.phone)).replace('%2B', '+')}`, { headers: auth });
      expect([listed.status, listed.body.source]).toEqual([200, 'dtmf']);
    }
    const tagged = await eventually(async () => {
      const got = await sql<{ data: { phone: string; tag: string | null; optOut: boolean; source: string } }>(`SELECT (body::jsonb)->'data' AS data FROM events.events WHERE tenant_id = $1 AND type = 'number.tagged'`, [tenantId]);
      return got.length >= 4 ? got : undefined;
    });
    expect(tagged.map((t) => `${t.data.phone.slice(-1)} ${t.data.tag} ${t.data.optOut} ${t.data.source}`).sort()).toEqual(['0 interested false dtmf', '0 null true dtmf', '1 interested false dtmf', '1 null true dtmf']);
    const peer = await sipp!.exit;
    expect([peer.code, peer.code === 0 ? '' : peer.output]).toEqual([0, '']);
  }, 60_000);

  it('when a person and a machine answer a task with AMD (onMachine hangup) and a humanAnswered SMS, then /calls says who answered, the machine is hung up once heard and only the person gets the SMS', async () => {
    await sipp?.exit;
    const base = p!.url;
    const { auth } = await newTenant(base);
    const recording = await uploadRecording(base, auth);
    const rows = rosterRows(87630021800, 2); // last digit 0: a person, 1: a machine
    const roster = await uploadRoster(base, auth, rows);
    const disconnect = (await call(base, 'POST', '/v1/sms-templates', { headers: auth, json: { name: 'T', content: 'Thanks {{name}}.' } })).body.id as string;
    expect((await call(base, 'PUT', '/v1/sms-account', { headers: auth, json: { provider: 'simulated', senderId: 'AUTOCALL', status: 'active' } })).status).toBe(200);
    const dir = mkdtempSync(join(tmpdir(), 'amd-e2e-'));
    const person = ulawWav(Buffer.concat([silence(300), speech('Halo?', { voice: 'id' }), silence(6000)]), join(dir, 'person.wav'));
    // a short voicemail prompt and its beep: heard as a machine well before our recording (about 3 s) ends
    const machine = ulawWav(Buffer.concat([silence(300), speech('Pesan.', { voice: 'id', speed: 200 }), silence(200), tone(1000, 400), silence(6000)]), join(dir, 'machine.wav'));
    const file = join(dir, 'amd.xml');
    writeFileSync(file, amdScenario(person, machine));
    sipp = await startSipp(sipPort, mediaPort, 2, file, false);
    const created = await call(base, 'POST', '/v1/tasks', {
      headers: auth,
      json: {
        name: 'SIP AMD',
        recordingId: recording.body.id,
        rosterId: roster.body.id,
        start: { mode: 'immediate' },
        sms: { onDisconnect: { enabled: true, templateId: disconnect, when: 'humanAnswered' } },
        dialing: { ...OPEN_DIALING, maxConcurrentCalls: 2, amd: { enabled: true, onMachine: 'hangup' } },
      },
    });
    expect([created.status, created.body.dialing?.amd]).toEqual([201, { enabled: true, onMachine: 'hangup' }]);
    const taskId = created.body.id as string;
    await eventually(async () => (await call(base, 'GET', `/v1/tasks/${taskId}`, { headers: auth })).body.status === 'completed', 30_000, 200);
    const calls = await allPages(base, auth, `/v1/tasks/${taskId}/calls`);
    const byDigit = Object.fromEntries(calls.map((c) => [c.phone.slice(-1), c]));
    expect(byDigit['0']).toMatchObject({ outcome: 'answered', answeredBy: 'human', hangupBy: 'system' });
    expect(byDigit['1']).toMatchObject({ outcome: 'answered', answeredBy: 'machine', hangupBy: 'system' });
    expect(byDigit['0'].durationMs).toBeGreaterThanOrEqual(recording.body.durationMs - 100); // the person heard it all
    expect(byDigit['1'].durationMs).toBeLessThan(recording.body.durationMs - 700); // the machine did not
    const sms = await eventually(async () => {
      const items = await allPages(base, auth, `/v1/sms-messages?taskId=${taskId}`);
      return items.length >= 1 && items.every((m) => m.status === 'sent') ? items : undefined;
    }, 15_000, 100);
    await new Promise((r) => setTimeout(r, 500)); // an SMS for the machine would show by now
    expect((await allPages(base, auth, `/v1/sms-messages?taskId=${taskId}`)).map((m) => `${m.phone.slice(-1)}:${m.kind}`)).toEqual(['0:disconnect']);
    expect(sms).toHaveLength(1);
    const peer = await sipp!.exit;
    expect([peer.code, peer.code === 0 ? '' : peer.output]).toEqual([0, '']);
  }, 60_000);
});

/** A SIPp UAS that answers and streams a person (numbers ending in 0) or a machine (ending in 1), then waits for our BYE. */
function amdScenario(person: string, machine: string): string {
  return `<?xml version="1.0" encoding="ISO-8859-1"?>
<scenario name="amd by number">
  <recv request="INVITE" timeout="30000">
    <action>
      <ereg regexp="^INVITE sip:[^@ ]*1@" search_in="msg" check_it="false" assign_to="d1"/>
    </action>
  </recv>
${sippResponse('200 OK', { sdp: sippSdp() })}
  <recv request="ACK" timeout="5000" crlf="true"/>
  <nop test="d1" next="1"/>
  <nop><action><exec rtp_stream="${person},1,0"/></action></nop>
  <recv request="BYE" timeout="20000"/>
${sippResponse('200 OK', { tag: false, next: '9' })}
  <label id="1"/>
  <nop><action><exec rtp_stream="${machine},1,0"/></action></nop>
${sippByeOk(20_000)}
  <label id="9"/>
</scenario>`;
}

/** A SIPp UAS answering by the called number's last digit with early media or a false answer (see the test above). */
function byNumberEarlyMedia(f: { vacant: string; reorder: string; announce: string; announceMs: number }): string {
  const early = (label: string, wavFile: string, ms: number) => `  <label id="${label}"/>
${sippResponse('183 Session Progress', { sdp: sippSdp() })}
  <nop><action><exec rtp_stream="${wavFile},1,0"/></action></nop>
  <pause milliseconds="${ms}"/>
${sippResponse('480 Temporarily Unavailable')}
  <recv request="ACK" timeout="5000" next="99"/>`;
  return `<?xml version="1.0" encoding="ISO-8859-1"?>
<scenario name="early media by number">
  <recv request="INVITE" timeout="40000">
    <action>
      <ereg regexp="^INVITE sip:[^@ ]*1@" search_in="msg" check_it="false" assign_to="d1"/>
      <ereg regexp="^INVITE sip:[^@ ]*2@" search_in="msg" check_it="false" assign_to="d2"/>
      <ereg regexp="^INVITE sip:[^@ ]*3@" search_in="msg" check_it="false" assign_to="d3"/>
      <ereg regexp="^INVITE sip:[^@ ]*4@" search_in="msg" check_it="false" assign_to="d4"/>
    </action>
  </recv>
${sippResponse('100 Trying', { tag: false })}
  <nop test="d1" next="10"/>
  <nop test="d2" next="20"/>
  <nop test="d3" next="30"/>
  <nop test="d4" next="40"/>
${sippResponse('200 OK', { sdp: sippSdp() })}
  <recv request="ACK" timeout="5000" crlf="true"/>
  <recv request="BYE" timeout="30000"/>
${sippResponse('200 OK', { tag: false, next: '99' })}
${early('10', f.vacant, 2300)}
${early('20', f.reorder, 2300)}
${early('30', f.announce, f.announceMs)}
  <label id="40"/>
${sippResponse('200 OK', { sdp: sippSdp() })}
  <recv request="ACK" timeout="5000" crlf="true"/>
  <nop><action><exec rtp_stream="${f.reorder},1,0"/></action></nop>
${sippByeOk(10_000)}
  <label id="99"/>
</scenario>`;
}

/** A SIPp UAS that answers with telephone-event 101 and presses 1, then 9 (SIPp's RFC 4733 captures). */
function dtmfScenario(): string {
  const pcap = (k: number) => `  <nop><action><exec play_pcap_audio="/usr/share/sip-tester/dtmf_2833_${k}.pcap"/></action></nop>`;
  return `<?xml version="1.0" encoding="ISO-8859-1"?>
<scenario name="dtmf 1 then 9">
  <recv request="INVITE" timeout="30000"/>
${sippResponse('200 OK', { sdp: sippSdp({ telephoneEvent: true }) })}
  <recv request="ACK" timeout="5000" crlf="true"/>
  <pause milliseconds="300"/>
${pcap(1)}
  <pause milliseconds="800"/>
${pcap(9)}
${sippByeOk()}
</scenario>`;
}
