import { formatDateTime, formatTime, zoneAbbreviation } from '../src/time/zone';

describe('console times', () => {
  it('when a UTC instant is shown, then it is in WIB and says so, whatever the process zone', () => {
    // jest runs in the machine's zone (the browser test runs the console in New York's)
    expect(formatDateTime('2026-01-15T02:00:00.000Z')).toBe('2026-01-15 09:00 WIB');
    expect(formatTime('2026-01-15T02:00:00.000Z')).toBe('09:00 WIB');
    expect(formatDateTime('2026-01-14T17:30:00.000Z')).toBe('2026-01-15 00:30 WIB');
  });

  it('when a task is in another Indonesian zone, then its time is there and named so', () => {
    expect(formatTime('2026-01-15T02:00:00.000Z', 'Asia/Makassar')).toBe('10:00 WITA');
    expect(formatTime('2026-01-15T02:00:00.000Z', 'Asia/Jayapura')).toBe('11:00 WIT');
    expect(zoneAbbreviation('Europe/Berlin')).toBe('Europe/Berlin');
  });
});
