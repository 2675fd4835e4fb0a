import { insideWindow, isFailedTry, mayDial, nextWindowOpening, notPlacedBackoffMs, type CallingWindowFact, type DialAttempt } from '../src/domain/dial-policy';

const now = new Date('2026-12-02T03:00:00.000Z'); // Wednesday 10:00 in Asia/Jakarta (UTC+7)
const fresh: DialAttempt = { attempt: 1, notPlaced: 0, notPlacedFailed: 0 };
const open = { held: false, cancelled: false, deleted: false, started: true };
const office: CallingWindowFact = { start: '09:00', end: '17:00', days: [1, 2, 3, 4, 5], timezone: 'Asia/Jakarta' };
const limits = { backoffMs: 2000, maxBackoffMs: 120_000, maxTries: 10 };

describe('mayDial', () => {
  it('when nothing stands in the way, then dial', () => {
    expect(mayDial(fresh, { now })).toEqual({ kind: 'dial' });
    expect(mayDial(fresh, { now, claimedByMe: true, control: open, window: office })).toEqual({ kind: 'dial' });
  });

  it('when the attempt is no longer this replica\'s, then drop it (whoever took it settled it), whatever else holds', () => {
    expect(mayDial(fresh, { now, claimedByMe: false, control: { ...open, held: true } })).toEqual({ kind: 'drop', reason: 'settled-elsewhere' });
    expect(mayDial(fresh, { now, claimedByMe: false, notPlaced: { reason: 'recording', message: 'x' }, limits })).toEqual({ kind: 'drop', reason: 'settled-elsewhere' });
  });

  it('when the task is deleted, cancelled, held or not started, then wait, naming which', () => {
    expect(mayDial(fresh, { now, control: { ...open, deleted: true, cancelled: true, held: true } })).toEqual({ kind: 'wait', until: now, reason: 'deleted' });
    expect(mayDial(fresh, { now, control: { ...open, cancelled: true, held: true } })).toEqual({ kind: 'wait', until: now, reason: 'cancelled' });
    expect(mayDial(fresh, { now, control: { ...open, held: true } })).toEqual({ kind: 'wait', until: now, reason: 'held' });
    expect(mayDial(fresh, { now, control: { ...open, started: false } })).toEqual({ kind: 'wait', until: now, reason: 'not-started' });
    // the pre-INVITE check knows no `started` (a claimed attempt's task has started): not a rule there
    expect(mayDial(fresh, { now, control: { held: false, cancelled: false, deleted: false } })).toEqual({ kind: 'dial' });
  });

  it('when outside the calling window, then wait until it next opens', () => {
    const evening = new Date('2026-12-02T11:30:00.000Z'); // Wednesday 18:30 WIB
    expect(mayDial(fresh, { now: evening, window: office })).toEqual({ kind: 'wait', until: new Date('2026-12-03T02:00:00.000Z'), reason: 'outside-window' });
    const friday = new Date('2026-12-04T10:00:00.000Z'); // Friday 17:00 WIB: the end is exclusive
    expect(mayDial(fresh, { now: friday, window: office })).toEqual({ kind: 'wait', until: new Date('2026-12-07T02:00:00.000Z'), reason: 'outside-window' });
    const early = new Date('2026-12-02T01:59:59.000Z'); // Wednesday 08:59:59 WIB
    expect(mayDial(fresh, { now: early, window: office })).toEqual({ kind: 'wait', until: new Date('2026-12-02T02:00:00.000Z'), reason: 'outside-window' });
  });

  it('when the attempt is not due yet, then wait until it is', () => {
    const dueAt = new Date(now.getTime() + 60_000);
    expect(mayDial({ ...fresh, dueAt }, { now })).toEqual({ kind: 'wait', until: dueAt, reason: 'not-due' });
    expect(mayDial({ ...fresh, dueAt: now }, { now })).toEqual({ kind: 'dial' });
  });

  it('when the carrier did not place the last try, then back to the queue after a doubling back-off, capped', () => {
    const channels = { reason: 'channels' as const, message: 'channel limit reached' };
    expect(mayDial(fresh, { now, notPlaced: channels, limits })).toEqual({ kind: 'wait', until: new Date(now.getTime() + 2000), reason: 'not-placed', detail: 'not placed: channel limit reached', failedTry: false });
    expect(mayDial({ ...fresh, notPlaced: 3 }, { now, notPlaced: channels, limits })).toMatchObject({ kind: 'wait', until: new Date(now.getTime() + 16_000) });
    expect(mayDial({ ...fresh, notPlaced: 30 }, { now, notPlaced: channels, limits })).toMatchObject({ kind: 'wait', until: new Date(now.getTime() + 120_000) });
  });

  it('when the task was held just before the INVITE, then due again at once (the hold keeps it from being claimed)', () => {
    expect(mayDial({ ...fresh, notPlaced: 5 }, { now, notPlaced: { reason: 'held', message: 'task held or cancelled before the call' }, limits })).toEqual({
      kind: 'wait', until: now, reason: 'not-placed', detail: 'not placed: task held or cancelled before the call', failedTry: false,
    });
  });

  it('when unplaced tries keep failing (recording, setup), then settle failed at the limit; waits for capacity never end an attempt', () => {
    const recording = { reason: 'recording' as const, message: 'recording not loaded' };
    expect(mayDial({ ...fresh, notPlaced: 8, notPlacedFailed: 8 }, { now, notPlaced: recording, limits })).toMatchObject({ kind: 'wait', failedTry: true });
    expect(mayDial({ ...fresh, notPlaced: 9, notPlacedFailed: 9 }, { now, notPlaced: recording, limits })).toEqual({ kind: 'settle', outcome: 'failed', reason: 'not placed: recording not loaded' });
    expect(mayDial({ ...fresh, notPlacedFailed: 9 }, { now, notPlaced: { reason: 'setup', message: 'no socket' }, limits })).toEqual({ kind: 'settle', outcome: 'failed', reason: 'not placed: no socket' });
    for (const reason of ['channels', 'rtp-port', 'held', 'closed'] as const) {
      expect(mayDial({ ...fresh, notPlaced: 50, notPlacedFailed: 50 }, { now, notPlaced: { reason, message: reason }, limits }).kind).toBe('wait');
    }
  });
});

describe('mayDial: the dialing rules (DNC → blackout → window)', () => {
  const listed = { listed: true };
  const lebaran = { ranges: [{ from: '2026-12-02', to: '2026-12-03' }], timezone: 'Asia/Jakarta' };

  it('when the number is on the do-not-call list, then settle it suppressed (reason DNC), before the blackout and the window', () => {
    expect(mayDial(fresh, { now, dnc: listed })).toEqual({ kind: 'settle', outcome: 'suppressed', reason: 'DNC' });
    expect(mayDial({ ...fresh, attempt: 2 }, { now, dnc: listed, blackouts: lebaran, window: { ...office, days: [7] } })).toEqual({ kind: 'settle', outcome: 'suppressed', reason: 'DNC' });
    expect(mayDial(fresh, { now, dnc: { listed: false } })).toEqual({ kind: 'dial' });
  });

  it('when the task is held, cancelled or the attempt not this replica\'s, then those rules come first (a listed number is settled once the task dials)', () => {
    expect(mayDial(fresh, { now, dnc: listed, control: { ...open, held: true } })).toEqual({ kind: 'wait', until: now, reason: 'held' });
    expect(mayDial(fresh, { now, dnc: listed, claimedByMe: false })).toEqual({ kind: 'drop', reason: 'settled-elsewhere' });
  });

  it('when the task\'s end time has come, then settle it expired (END_TIME), after the DNC rule and before the blackout and the window', () => {
    expect(mayDial(fresh, { now, endsAt: now })).toEqual({ kind: 'settle', outcome: 'expired', reason: 'END_TIME' });
    expect(mayDial(fresh, { now, endsAt: new Date(now.getTime() + 1) })).toEqual({ kind: 'dial' });
    expect(mayDial(fresh, { now, endsAt: null })).toEqual({ kind: 'dial' });
    expect(mayDial(fresh, { now, dnc: listed, endsAt: now })).toMatchObject({ outcome: 'suppressed' });
    expect(mayDial(fresh, { now, endsAt: now, blackouts: lebaran, window: { ...office, days: [7] } })).toMatchObject({ outcome: 'expired' });
  });

  it("when today is a blackout in the task's zone, then wait until the first local midnight after it, before the window is judged", () => {
    // Wednesday 10:00 WIB, blacked out Wednesday and Thursday: until Friday 00:00 WIB
    expect(mayDial(fresh, { now, blackouts: lebaran, window: office })).toEqual({ kind: 'wait', until: new Date('2026-12-03T17:00:00.000Z'), reason: 'blackout' });
    // the same instant is Wednesday 12:00 in Asia/Jayapura too; in UTC−10 it is still Tuesday, no blackout
    expect(mayDial(fresh, { now, blackouts: { ...lebaran, timezone: 'Pacific/Honolulu' } })).toEqual({ kind: 'dial' });
  });
});

describe('dial policy parts', () => {
  it('counts only recording and setup as failed tries', () => {
    expect(['recording', 'setup', 'channels', 'rtp-port', 'held', 'closed'].filter((r) => isFailedTry(r as never))).toEqual(['recording', 'setup']);
  });

  it('backs off from the first delay, doubling, up to the longest', () => {
    expect([0, 1, 2, 6, 7, 100].map((n) => notPlacedBackoffMs({ notPlaced: n }, 'rtp-port', limits))).toEqual([2000, 4000, 8000, 120_000, 120_000, 120_000]);
    expect(notPlacedBackoffMs({ notPlaced: 4 }, 'held', limits)).toBe(0);
  });

  it('judges the window as the claim SQL does: the day in the task\'s zone, start inclusive, end exclusive, 24:00 the end of the day', () => {
    const allDay: CallingWindowFact = { start: '00:00', end: '24:00', days: [1, 2, 3, 4, 5, 6, 7], timezone: 'Asia/Jakarta' };
    expect(insideWindow(allDay, new Date('2026-12-06T16:59:59.999Z'))).toBe(true); // Sunday 23:59:59.999 WIB
    expect(insideWindow(office, new Date('2026-12-02T02:00:00.000Z'))).toBe(true); // Wednesday 09:00 WIB
    expect(insideWindow(office, new Date('2026-12-01T23:00:00.000Z'))).toBe(false); // Wednesday 06:00 WIB (Tuesday in UTC)
    expect(insideWindow(office, new Date('2026-12-05T03:00:00.000Z'))).toBe(false); // Saturday
    expect(insideWindow({ ...office, timezone: 'UTC' }, new Date('2026-12-02T08:59:00.000Z'))).toBe(false);
  });

  it('never finds an opening of a window with no days: a week later', () => {
    expect(nextWindowOpening({ ...office, days: [] }, now)).toEqual(new Date(now.getTime() + 7 * 86_400_000));
  });
});

describe('mayDial: the contact cap', () => {
  const zone = 'Asia/Jakarta';
  it('when the number is at its cap for today, then it waits for the next local day’s window opening, skipping blackouts and days off', () => {
    // Wednesday 10:00 WIB: Thursday 09:00 WIB (02:00Z)
    expect(mayDial(fresh, { now, window: office, caps: { reached: true, timezone: zone } })).toEqual({ kind: 'wait', until: new Date('2026-12-03T02:00:00.000Z'), reason: 'contact-cap' });
    // Thursday a blackout: Friday
    const blackouts = { ranges: [{ from: '2026-12-03', to: '2026-12-03' }], timezone: zone };
    expect(mayDial(fresh, { now, window: office, blackouts, caps: { reached: true, timezone: zone } })).toMatchObject({ until: new Date('2026-12-04T02:00:00.000Z') });
    // Friday 10:00 WIB: the weekend is off, Monday 09:00
    expect(mayDial(fresh, { now: new Date('2026-12-04T03:00:00.000Z'), window: office, caps: { reached: true, timezone: zone } })).toMatchObject({ until: new Date('2026-12-07T02:00:00.000Z') });
    // no window: the next local midnight
    expect(mayDial(fresh, { now, caps: { reached: true, timezone: zone } })).toMatchObject({ until: new Date('2026-12-02T17:00:00.000Z') });
    expect(mayDial(fresh, { now, window: office, caps: { reached: false, timezone: zone } })).toEqual({ kind: 'dial' });
  });

  it('reads the day in the calling task’s zone, DST-safe: 23:30 in New York on the day clocks go back waits for the next day’s 09:00 EST', () => {
    const ny: CallingWindowFact = { start: '09:00', end: '24:00', days: [1, 2, 3, 4, 5, 6, 7], timezone: 'America/New_York' };
    const late = new Date('2026-11-02T04:30:00.000Z'); // Sunday 1 Nov 23:30 EST (clocks went back that morning)
    expect(mayDial(fresh, { now: late, window: ny, caps: { reached: true, timezone: ny.timezone } })).toMatchObject({ until: new Date('2026-11-02T14:00:00.000Z') });
    // Saturday 31 Oct 23:30 EDT: Sunday 09:00 EST, a 25-hour day between
    expect(mayDial(fresh, { now: new Date('2026-11-01T03:30:00.000Z'), window: ny, caps: { reached: true, timezone: ny.timezone } })).toMatchObject({ until: new Date('2026-11-01T14:00:00.000Z') });
  });

  it('comes after the do-not-call list, the end time, blackouts and the window: a listed number at its cap is suppressed, one outside the window waits for the window', () => {
    expect(mayDial(fresh, { now, dnc: { listed: true }, caps: { reached: true, timezone: zone } })).toMatchObject({ kind: 'settle', outcome: 'suppressed' });
    expect(mayDial(fresh, { now, endsAt: now, caps: { reached: true, timezone: zone } })).toMatchObject({ kind: 'settle', outcome: 'expired' });
    expect(mayDial(fresh, { now: new Date('2026-12-02T11:30:00.000Z'), window: office, caps: { reached: true, timezone: zone } })).toMatchObject({ reason: 'outside-window' });
  });
});
