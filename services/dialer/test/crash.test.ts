import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Bus } from '@autocall/bus';
import { eventually, newTenantId, TEST_INTERNAL_TOKEN } from '@autocall/testing';
import { callsPerNumber, connectBus, dialerSql, EventLog, isolatedEnv, rosterOf, RosterStub, snapshot, startDialer, startTask, type Dialer } from './helpers';

const root = join(__dirname, '..', '..', '..');
let survivor: Dialer;
let child: ChildProcess | undefined;
let roster: RosterStub;
let events: EventLog;
let bus: Bus;

beforeAll(async () => {
  // the victim runs from dist, as in production
  const build = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { cwd: root, encoding: 'utf8' });
  if (!existsSync(join(root, 'services/dialer/dist/main.js'))) throw new Error(`build failed: ${build.stderr}`);
  roster = await RosterStub.start();
  events = await EventLog.start();
  bus = await connectBus();
  // few channels on the survivor, so the victim holds most of the calls in flight when it dies
  survivor = await startDialer({ DIALER_ID: 'survivor', SIM_TIME_SCALE: '0.02', SIM_MAX_CHANNELS: '15', DIALER_SWEEP_MS: '200', DIALER_LEASE_MS: '1500' });
}, 60_000);
afterAll(async () => {
  child?.kill('SIGKILL');
  await survivor?.close();
  await roster?.close();
  await events?.close();
  await bus?.close();
});

function startVictim(): ChildProcess {
  const p = spawn(process.execPath, [join(root, 'services/dialer/dist/main.js')], {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      ...isolatedEnv(),
      INTERNAL_TOKEN: TEST_INTERNAL_TOKEN,
      LOG_LEVEL: 'warn',
      HOST: '127.0.0.1',
      DIALER_PORT: '0',
      DIALER_ID: 'victim',
      SIM_TIME_SCALE: '0.02',
      DIALER_TICK_MS: '20',
      DIALER_LEASE_MS: '1500',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return p;
}

describe('a dialer replica killed mid-run', () => {
  it('when one replica is SIGKILLed with calls in flight, then no number is called twice, every number ends final, and its calls in flight are failed/interrupted', async () => {
    child = startVictim();
    const tenantId = newTenantId();
    const count = 400;
    const s = snapshot({ tenantId, rosterId: roster.add(rosterOf(count)), total: count, dialing: { maxConcurrentCalls: 80, callsPerSecond: 300, maxAttempts: 1 } });
    events.watch(s.taskId);
    // the victim must be up and claiming before the task starts
    await new Promise((r) => setTimeout(r, 1500));
    await startTask(bus, s);
    await eventually(
      async () => (await dialerSql(`SELECT 1 FROM call_attempts WHERE task_id = $1 AND claimed_by = 'victim' AND status = 'dialing'`, [s.taskId])).length >= 10,
      20_000,
      10,
    );
    child.kill('SIGKILL');
    await new Promise<void>((r) => child!.once('exit', () => r()));
    const inFlight = (
      await dialerSql<{ id: string }>(`SELECT id FROM call_attempts WHERE task_id = $1 AND claimed_by = 'victim' AND status = 'dialing'`, [s.taskId])
    ).map((r) => r.id);
    expect(inFlight.length).toBeGreaterThan(0);
    child = undefined;

    expect(await events.drainedOf(s.taskId, 60_000)).toMatchObject({ finalCount: count, cancelled: 0 });

    const perNumber = await callsPerNumber(s.taskId);
    expect([...perNumber.entries()].filter(([, n]) => n > 1)).toEqual([]);
    const rows = await dialerSql<{ id: string; status: string; final: boolean; outcome: string; failure_reason: string | null; attempt: number }>(
      `SELECT id, status, final, outcome, failure_reason, attempt FROM call_attempts WHERE task_id = $1`,
      [s.taskId],
    );
    expect(rows).toHaveLength(count);
    expect(rows.every((r) => r.status === 'completed' && r.final && r.attempt === 1)).toBe(true);
    const interrupted = rows.filter((r) => inFlight.includes(r.id));
    expect(interrupted.every((r) => r.outcome === 'failed' && r.failure_reason === 'interrupted')).toBe(true);
    // numbers never placed by the victim were called by the survivor
    expect(perNumber.size).toBeGreaterThanOrEqual(count - inFlight.length);
    await eventually(() => events.callsOf(s.taskId).length === count);
    const reported = events.callsOf(s.taskId).filter((c) => c.failureReason === 'interrupted');
    expect(reported.map((c) => c.attemptId).sort()).toEqual([...inFlight].sort());
  }, 90_000);
});
