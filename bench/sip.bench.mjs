// SIP carrier capacity: one dialer process (this one) against SIPp answering every call with RTP
// echo. For each level, N calls of 20 s audio run at once; we report CPU per call, the share of
// our RTP packets that came back, and the worst lateness of the send timer.
// Needs `sipp` (apt-get install -y sip-tester) and the built dist (node scripts/build.mjs).
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { loadavg } from 'node:os';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const { SipCarrier } = require(join(root, 'services/dialer/dist/adapters/sip/index.js'));

const levels = (process.env.SIP_BENCH_LEVELS ?? '50,200,300').split(',').map(Number);
// 'worker' (RTP paced and sent in a worker thread, the default), 'main' (on the main thread), or
// both alternated level by level ('main,worker') to compare them under the same machine load.
const modes = (process.env.SIP_BENCH_RTP ?? 'worker').split(',');
// Main-thread load while calls run, standing in for the dialer's own work (database results, JSON,
// GC): every SIP_BENCH_STALL_EVERY_MS, a synchronous burst of SIP_BENCH_STALL_MS. 0 = none.
const stallMs = Number(process.env.SIP_BENCH_STALL_MS ?? 0);
const stallEveryMs = Number(process.env.SIP_BENCH_STALL_EVERY_MS ?? 500);
const audioSeconds = Number(process.env.SIP_BENCH_SECONDS ?? 20);
const rampMs = Number(process.env.SIP_BENCH_RAMP_MS ?? 2000);
// 'off' (SIP codes only), 'on' (SIT/announcement analysis of early media and the first 3 s after
// the answer, SIP_AUDIO_ANALYSIS=true, and each call's task with answering-machine detection, which
// hears the echo until its verdict, and DTMF collection, in-band from the answer to the end of the
// call: the analysis a call can carry), or both ('off,on') under the same machine load.
const analyses = (process.env.SIP_BENCH_ANALYSIS ?? 'on').split(',');

// The baseline: a bare paced UDP sender (one 20 ms stream, drift-corrected timer, nothing else) in
// its own thread of this process, running through each level: its share of packets sent more than
// 10 ms late is what this machine does to any sender at that moment.
const BARE = String.raw`
const { parentPort } = require('node:worker_threads');
const dgram = require('node:dgram');
const { performance } = require('node:perf_hooks');
const s = dgram.createSocket('udp4');
const pkt = Buffer.alloc(172);
let n = 0, late = 0, stop = false;
const start = performance.now();
parentPort.on('message', () => { stop = true; parentPort.postMessage({ sent: n, late }); s.close(); });
const tick = () => {
  if (stop) return;
  const now = performance.now();
  while (start + n * 20 <= now) { if (now - (start + n * 20) > 10) late++; s.send(pkt, 9, '127.0.0.1'); n++; }
  setTimeout(tick, Math.max(0, start + n * 20 - performance.now()));
};
tick();
`;
function bareSender() {
  const w = new Worker(BARE, { eval: true });
  return { stop: () => new Promise((resolve) => { w.once('message', (m) => { void w.terminate(); resolve(m); }); w.postMessage('stop'); }) };
}
const scenario = join(root, 'services/dialer/test/sip/scenarios/uas-wait-bye.xml');

const quiet = { debug() {}, info() {}, warn: (o, m) => console.warn(m, o), error: (o, m) => console.error(m, o), child: () => quiet };
const audio = Buffer.alloc(audioSeconds * 8000);
for (let i = 0; i < audio.length; i++) audio[i] = (i * 37) & 0xff;

async function runLevel(n, sipPort, mode, analysis) {
  const sipp = spawn('timeout', ['300', 'sipp', '-sf', scenario, '-i', '127.0.0.1', '-p', String(sipPort), '-mp', String(sipPort + 100), '-rtp_echo', '-m', String(n), '-nostdin'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let sippErr = '';
  sipp.stderr.on('data', (d) => (sippErr += d));
  const sippExit = new Promise((resolve) => sipp.on('close', (code) => resolve(code)));
  await new Promise((r) => setTimeout(r, 500)); // SIPp binds its port

  const stats = [];
  const carrier = new SipCarrier({
    trunkHost: '127.0.0.1',
    trunkPort: sipPort,
    from: 'sip:bench@127.0.0.1',
    localPort: 0,
    localHost: '127.0.0.1',
    rtpPortMin: 20000,
    rtpPortMax: 21999,
    maxChannels: n,
    logger: quiet,
    onCallStats: (s) => stats.push(s),
    rtpWorker: mode === 'worker',
    analyseAudio: analysis === 'on',
  });
  const bare = bareSender();
  await carrier.start();
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const calls = [];
  const staller = stallMs > 0 ? setInterval(() => {
    const end = performance.now() + stallMs;
    let junk = 0;
    while (performance.now() < end) junk += JSON.stringify({ junk, a: [1, 2, 3] }).length;
  }, stallEveryMs) : null;
  for (let i = 0; i < n; i++) {
    // Calls are answered at different moments in real life; starting them over `rampMs` avoids an
    // artificial phase-lock of every call's 20 ms timer.
    await new Promise((r) => setTimeout(r, rampMs / n));
    calls.push(
      carrier.dial({
        attemptId: `bench-${n}-${i}`,
        phone: `+62800000${String(i).padStart(4, '0')}`,
        attempt: 1,
        callerId: null,
        ringTimeoutSeconds: 30,
        recording: { id: 'bench', durationMs: audioSeconds * 1000, loadUlaw: async () => audio },
        ...(analysis === 'on' ? { amd: { enabled: true, onMachine: 'play' }, dtmf: { enabled: true, rules: [{ digits: '1', action: 'tag', tag: 'bench' }] } } : {}),
      }),
    );
  }
  const results = await Promise.all(calls);
  const bareFigures = await bare.stop();
  if (staller) clearInterval(staller);
  const wallS = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  loop.disable();
  await carrier.close();
  const code = await sippExit;

  const cpuS = (cpu.user + cpu.system) / 1e6;
  const sent = stats.reduce((a, s) => a + s.packetsSent, 0);
  const received = stats.reduce((a, s) => a + s.packetsReceived, 0);
  const answered = results.filter((r) => r.outcome === 'answered').length;
  const answeredBy = results.reduce((a, r) => (r.answeredBy ? { ...a, [r.answeredBy]: (a[r.answeredBy] ?? 0) + 1 } : a), {});
  const latePct = sent ? (stats.reduce((a, s) => a + s.packetsLate, 0) / sent) * 100 : 0;
  const bareLatePct = bareFigures.sent ? (bareFigures.late / bareFigures.sent) * 100 : 0;
  return {
    rtp: mode,
    analysis,
    mainThreadStallMs: stallMs,
    calls: n,
    answered,
    ...(analysis === 'on' ? { answeredBy } : {}),
    sippExit: code,
    wallS: +wallS.toFixed(1),
    cpuPctOfOneCore: +((cpuS / wallS) * 100).toFixed(1),
    cpuPctPerCall: +((cpuS / wallS / n) * 100).toFixed(3),
    echoedPct: sent ? +((received / sent) * 100).toFixed(2) : 0,
    packetsSent: sent,
    worstLatenessMs: +Math.max(...stats.map((s) => s.maxLatenessMs)).toFixed(1),
    // Per-call worst lateness, median over calls: separates one stall from a general slowdown.
    medianCallWorstLatenessMs: +stats.map((s) => s.maxLatenessMs).sort((a, b) => a - b)[Math.floor(stats.length / 2)].toFixed(1),
    callsWithLatenessOver10ms: stats.filter((s) => s.maxLatenessMs > 10).length,
    packetsLateOver10msPct: +latePct.toFixed(3),
    bareSenderLateOver10msPct: +bareLatePct.toFixed(3),
    // ours / the bare sender's (the issue's goal: ≤ 1.5); with a bare sender never late, the count of ours
    lateRatioToBare: bareLatePct > 0 ? +(latePct / bareLatePct).toFixed(2) : latePct === 0 ? 1 : null,
    eventLoopDelayP99Ms: +(loop.percentile(99) / 1e6).toFixed(1),
    eventLoopDelayMaxMs: +(loop.max / 1e6).toFixed(1),
    rssMB: Math.round(process.memoryUsage().rss / 1e6),
    loadavg1m: +loadavg()[0].toFixed(2),
    ...(code !== 0 ? { sippStderr: sippErr.slice(-500) } : {}),
  };
}

const rows = [];
let run = 0;
for (const n of levels) {
  for (const mode of modes) {
    for (const analysis of analyses) {
      const row = await runLevel(n, 15800 + run++, mode, analysis);
      console.log(JSON.stringify(row));
      rows.push(row);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}
console.log('\n| RTP | analysis | calls | answered | CPU % of one core | CPU % per call | echoed | worst send lateness | calls with a packet > 10 ms late | packets > 10 ms late | bare sender > 10 ms late | ratio | loop delay p99 / max | RSS | load avg 1 min |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const r of rows) {
  console.log(`| ${r.rtp}${r.mainThreadStallMs ? ` (+${r.mainThreadStallMs} ms stalls)` : ''} | ${r.analysis} | ${r.calls} | ${r.answered} | ${r.cpuPctOfOneCore} % | ${r.cpuPctPerCall} % | ${r.echoedPct} % | ${r.worstLatenessMs} ms | ${r.callsWithLatenessOver10ms} | ${r.packetsLateOver10msPct} % | ${r.bareSenderLateOver10msPct} % | ${r.lateRatioToBare ?? '—'} | ${r.eventLoopDelayP99Ms} / ${r.eventLoopDelayMaxMs} ms | ${r.rssMB} MB | ${r.loadavg1m} |`);
}
for (const goal of rows.filter((r) => r.calls === 200)) {
  const ok = goal.answered === 200 && goal.echoedPct >= 99.5 && goal.worstLatenessMs <= 10;
  console.log(`goal (200 calls, ≥ 99.5 % echoed, lateness ≤ 10 ms), RTP on ${goal.rtp}: ${ok ? 'met' : 'NOT met'}`);
}
