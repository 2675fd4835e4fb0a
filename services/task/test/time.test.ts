import { assertWindow, inWindow, nextWindowOpening, parseStartAt, toLocalIso } from '../src/domain/time';

const TZ = 'Asia/Jakarta';

describe('start time parsing', () => {
  it.each([
    ['2026-01-15T09:00', '2026-01-15T02:00:00.000Z'],
    ['2026-01-15T09:00:30', '2026-01-15T02:00:30.000Z'],
    ['2026-01-15T09:00:30.5', '2026-01-15T02:00:30.500Z'],
    ['2026-01-15T09:00Z', '2026-01-15T09:00:00.000Z'],
    ['2026-01-15T09:00:00+09:00', '2026-01-15T00:00:00.000Z'],
    ['2026-01-15T09:00:00-05:30', '2026-01-15T14:30:00.000Z'],
    ['2028-02-29T00:00', '2028-02-28T17:00:00.000Z'],
    ['2026-01-15T09:00+14:00', '2026-01-14T19:00:00.000Z'],
    ['2026-01-15T09:00-00:00', '2026-01-15T09:00:00.000Z'],
    ['2026-01-15T09:00:00.05', '2026-01-15T02:00:00.050Z'],
    ['2026-12-31T23:59:59.999', '2026-12-31T16:59:59.999Z'],
    ['2026-01-01T06:59', '2025-12-31T23:59:00.000Z'],
  ])('when start.at is %p, then it is %p', (raw, utc) => {
    expect(parseStartAt(raw, TZ).toISOString()).toBe(utc);
  });

  it.each(['2026-02-30T09:00', '2026-13-01T09:00', '2026-01-15T24:00', '2026-01-15T09:60', 'tomorrow', '2026-01-15', '2026-01-15 09:00', '2027-02-29T09:00', '2026-01-15T09:00+15:00', '',
    '2100-02-29T09:00', '2026-04-31T09:00', '2026-01-15T09:00:60', '2026-01-15T09:00+07:60', '2026-01-15T9:00', '2026-01-15T09:00:00.1234', '2026-00-10T09:00', ' 2026-01-15T09:00'])(
    'when start.at is %p, then 400 VALIDATION_FAILED on start.at',
    (raw) => {
      expect(() => parseStartAt(raw, TZ)).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED', status: 400, errors: [expect.objectContaining({ field: 'start.at' })] }));
    },
  );

  it('when shown locally, then the offset is +07:00', () => {
    expect(toLocalIso(new Date('2026-01-15T02:00:00.000Z'), TZ)).toBe('2026-01-15T09:00:00+07:00');
  });
});

describe('calling window', () => {
  const w = { start: '08:00', end: '20:00', days: [1, 2, 3, 4, 5] };
  it('when inside the window, then no next call time', () => {
    expect(nextWindowOpening(w, new Date('2026-01-15T03:00:00Z'), TZ)).toBeNull(); // Thu 10:00 WIB
  });
  it('when after the end on a Friday, then Monday 08:00 WIB', () => {
    expect(nextWindowOpening(w, new Date('2026-01-16T13:30:00Z'), TZ)?.toISOString()).toBe('2026-01-19T01:00:00.000Z'); // Fri 20:30 WIB
  });
  it('when before the start, then today at the start', () => {
    expect(nextWindowOpening(w, new Date('2026-01-14T23:00:00Z'), TZ)?.toISOString()).toBe('2026-01-15T01:00:00.000Z'); // Thu 06:00 WIB
  });
  it('when the window ends at 24:00, then 23:59 is inside', () => {
    expect(nextWindowOpening({ start: '00:00', end: '24:00', days: [4] }, new Date('2026-01-15T16:59:00Z'), TZ)).toBeNull();
  });
});

describe('start time parsing, edge cases', () => {
  it('when a field name is given, then the error names it', () => {
    expect(() => parseStartAt('soon', TZ, 'start.when')).toThrow(expect.objectContaining({ errors: [expect.objectContaining({ field: 'start.when' })] }));
  });

  it('when the zone is another, then a time without offset is that zone’s wall clock', () => {
    expect(parseStartAt('2026-07-01T09:00', 'Europe/Berlin').toISOString()).toBe('2026-07-01T07:00:00.000Z');
  });
});

describe('calling window, edge cases', () => {
  const w = { start: '08:00', end: '20:00', days: [1, 2, 3, 4, 5] };
  it('when it is exactly the start, then inside; exactly the end, then outside (end exclusive)', () => {
    expect(inWindow(w, new Date('2026-01-15T01:00:00Z'), TZ)).toBe(true); // Thu 08:00 WIB
    expect(inWindow(w, new Date('2026-01-15T13:00:00Z'), TZ)).toBe(false); // Thu 20:00 WIB
  });
  it('when the day is not a calling day, then outside whatever the hour', () => {
    expect(inWindow(w, new Date('2026-01-17T03:00:00Z'), TZ)).toBe(false); // Sat 10:00 WIB
  });
  it('when no day is a calling day, then there is no next opening', () => {
    expect(nextWindowOpening({ ...w, days: [] }, new Date('2026-01-15T03:00:00Z'), TZ)).toBeNull();
  });
  it('when the end is not after the start, then 400 on callingWindow.end', () => {
    expect(() => assertWindow({ start: '10:00', end: '10:00', days: [1] })).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED', errors: [expect.objectContaining({ field: 'dialing.callingWindow.end' })] }));
    expect(() => assertWindow({ start: '00:00', end: '24:00', days: [1] })).not.toThrow();
  });
});
