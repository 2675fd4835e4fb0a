import { createLogger } from '@autocall/logger';
import { WorkLoop, type TurnResult, type WorkLoopOptions } from '../src';

const logger = createLogger('work-loop-test', 'silent');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(cond: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(2);
  }
}

const loops: WorkLoop[] = [];
function loop(turn: WorkLoopOptions['turn'], opts: Partial<WorkLoopOptions> = {}): WorkLoop {
  const l = new WorkLoop({ name: 'test', intervalMs: 10_000, logger, turn, ...opts });
  loops.push(l);
  return l;
}
afterEach(async () => {
  await Promise.all(loops.splice(0).map((l) => l.stop()));
});

describe('WorkLoop', () => {
  it('runs a turn on start, then waits the interval when nothing nudges it', async () => {
    const at: number[] = [];
    const l = loop(async () => void at.push(performance.now()), { intervalMs: 60 });
    l.start();
    await until(() => at.length === 2, 2000);
    // the second turn waited the interval after the first (read from the turns themselves, not by a
    // sleep racing the timer on a busy machine; timers may round down by a millisecond)
    expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(58);
  });

  it('a nudge while idle runs a turn at once; nudges within coalesceMs share one turn', async () => {
    let turns = 0;
    const l = loop(async () => void turns++, { coalesceMs: 20 });
    l.start();
    await until(() => turns === 1);
    for (let i = 0; i < 10; i++) l.nudge();
    await until(() => turns === 2);
    await sleep(60);
    expect(turns).toBe(2);
  });

  it('a nudge during a turn runs exactly one more turn after it, never two at once', async () => {
    let active = 0;
    let maxActive = 0;
    let turns = 0;
    let release!: () => void;
    const l = loop(async () => {
      turns++;
      active++;
      maxActive = Math.max(maxActive, active);
      if (turns === 1) await new Promise<void>((r) => (release = r));
      active--;
    });
    l.start();
    await until(() => turns === 1);
    l.nudge();
    l.nudge();
    l.nudge();
    expect(l.busy).toBe(true);
    release();
    await until(() => turns === 2);
    await sleep(30);
    expect(turns).toBe(2);
    expect(maxActive).toBe(1);
  });

  it("'again' runs the next turn at once and a number waits that long", async () => {
    const results: TurnResult[] = ['again', 'again', 40, undefined];
    const at: number[] = [];
    const l = loop(async () => {
      at.push(Date.now());
      return results.shift();
    });
    l.start();
    await until(() => at.length === 4);
    expect(at[2] - at[0]).toBeLessThan(30);
    expect(at[3] - at[2]).toBeGreaterThanOrEqual(35);
    await sleep(50);
    expect(at).toHaveLength(4); // then the 10 s interval
  });

  it('a failing turn is retried with doubling back-off that nudges do not cut short, and a success resets it', async () => {
    const at: number[] = [];
    let fail = 3;
    const warnings: unknown[] = [];
    const spy = { ...logger, warn: (obj: unknown) => void warnings.push(obj) } as unknown as typeof logger;
    const l = loop(
      async () => {
        at.push(Date.now());
        if (fail-- > 0) throw new Error('down');
      },
      { backoffMs: 40, maxBackoffMs: 1000, logger: spy },
    );
    l.start();
    await until(() => at.length === 2);
    l.nudge(); // inside the second back-off (80 ms): must not run at once
    await until(() => at.length === 4, 2000);
    expect(at[1] - at[0]).toBeGreaterThanOrEqual(35);
    expect(at[2] - at[1]).toBeGreaterThanOrEqual(75);
    expect(at[3] - at[2]).toBeGreaterThanOrEqual(155);
    expect(l.failuresInARow).toBe(0);
    expect(warnings).toHaveLength(3);
    expect(warnings[2]).toMatchObject({ loop: 'test', failures: 3, retryInMs: 160 });
    // after the success the loop is back to normal: a nudge runs at once
    const before = at.length;
    l.nudge();
    await until(() => at.length === before + 1, 100);
  });

  it('back-off stops growing at maxBackoffMs', async () => {
    const warnings: { retryInMs: number }[] = [];
    const spy = { ...logger, warn: (obj: { retryInMs: number }) => void warnings.push(obj) } as unknown as typeof logger;
    const l = loop(async () => {
      throw new Error('down');
    }, { backoffMs: 5, maxBackoffMs: 20, logger: spy });
    l.start();
    await until(() => warnings.length >= 5);
    expect(warnings.map((w) => w.retryInMs).slice(0, 5)).toEqual([5, 10, 20, 20, 20]);
  });

  it('stop() waits for the running turn, which sees stopped(); no turn runs after it', async () => {
    let turns = 0;
    let sawStopped = false;
    let release!: () => void;
    const l = loop(async ({ stopped }) => {
      turns++;
      await new Promise<void>((r) => (release = r));
      sawStopped = stopped();
    });
    l.start();
    await until(() => turns === 1);
    l.nudge();
    let stoppedDone = false;
    const stopping = l.stop().then(() => (stoppedDone = true));
    await sleep(20);
    expect(stoppedDone).toBe(false);
    release();
    await stopping;
    expect(sawStopped).toBe(true);
    l.nudge();
    await sleep(30);
    expect(turns).toBe(1);
    await l.stop(); // twice is fine
  });

  it('can be started again after stop', async () => {
    let turns = 0;
    const l = loop(async () => void turns++);
    l.start();
    await until(() => turns === 1);
    await l.stop();
    l.start();
    await until(() => turns === 2);
  });

  it('with intervalMs Infinity, turns run only when nudged', async () => {
    let turns = 0;
    const l = loop(async () => void turns++, { intervalMs: Infinity });
    l.start();
    await until(() => turns === 1);
    await sleep(50);
    expect(turns).toBe(1);
    l.nudge();
    await until(() => turns === 2);
  });

  it('nudge(inMs) runs a turn once that time comes; an earlier wake-up wins, and one falling due during a turn runs one more after it', async () => {
    const at: number[] = [];
    let release: (() => void) | undefined;
    const l = loop(async () => {
      at.push(Date.now());
      if (at.length === 3) await new Promise<void>((r) => (release = r));
    }, { intervalMs: Infinity });
    l.start();
    await until(() => at.length === 1);
    const t0 = Date.now();
    l.nudge(200);
    l.nudge(40); // the earlier one wins
    l.nudge(300);
    await until(() => at.length === 2, 500);
    expect(at[1] - t0).toBeGreaterThanOrEqual(35);
    expect(at[1] - t0).toBeLessThan(190);
    l.nudge(0);
    await until(() => at.length === 3);
    l.nudge(20); // falls due while the third turn runs
    await sleep(60);
    expect(at).toHaveLength(3);
    release!();
    await until(() => at.length === 4, 500);
    await sleep(250);
    expect(at).toHaveLength(4); // the 200 and 300 ms wake-ups were superseded by the earlier one
  });
});
