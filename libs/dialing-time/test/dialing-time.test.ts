import { addDays, blackoutEnd, inBlackout, insideWindow, isDate, isoDayOf, isTimeZone, localTime, nextDialableAt, zonedInstant } from '../src';

const office = { start: '08:00', end: '17:00', days: [1, 2, 3, 4, 5, 6, 7] };

describe('dialing time', () => {
  it('when the zone is Asia/Jayapura (UTC+9), then 23:30Z is 08:30 WIT of the next day, inside 08:00–17:00; 08:30Z (17:30 WIT) is not', () => {
    expect(localTime('Asia/Jayapura', new Date('2026-12-01T23:30:00Z'))).toMatchObject({ date: '2026-12-02', seconds: 8.5 * 3600 });
    expect(insideWindow(office, 'Asia/Jayapura', new Date('2026-12-01T23:30:00Z'))).toBe(true);
    expect(insideWindow(office, 'Asia/Jayapura', new Date('2026-12-02T08:30:00Z'))).toBe(false);
    expect(nextDialableAt(office, 'Asia/Jayapura', new Date('2026-12-02T08:30:00Z'))).toEqual(new Date('2026-12-02T23:00:00Z'));
  });

  it('when a date is in a blackout, then the next dialable instant is the window opening of the first day after it', () => {
    const blackouts = [{ from: '2026-12-03', to: '2026-12-04' }, { from: '2026-12-05', to: '2026-12-05' }];
    expect(inBlackout(blackouts, '2026-12-04')).toBe(true);
    expect(inBlackout(blackouts, '2026-12-06')).toBe(false);
    // 2026-12-03 10:00 WIB: blacked out through the 5th; the 6th opens at 08:00 WIB = 01:00Z
    expect(nextDialableAt(office, 'Asia/Jakarta', new Date('2026-12-03T03:00:00Z'), blackouts)).toEqual(new Date('2026-12-06T01:00:00Z'));
    expect(blackoutEnd(blackouts, 'Asia/Jakarta', new Date('2026-12-03T03:00:00Z'))).toEqual(new Date('2026-12-05T17:00:00Z'));
    expect(blackoutEnd(blackouts, 'Asia/Jakarta', new Date('2026-12-02T03:00:00Z'))).toBeUndefined();
  });

  it('when the zone has DST (America/New_York), then a window opening across the change keeps its wall time', () => {
    // clocks go forward on 2026-03-08 (EST −5 → EDT −4) and back on 2026-11-01
    expect(nextDialableAt(office, 'America/New_York', new Date('2026-03-07T23:00:00Z'))).toEqual(new Date('2026-03-08T12:00:00Z')); // 08:00 EDT
    expect(nextDialableAt(office, 'America/New_York', new Date('2026-10-31T23:00:00Z'))).toEqual(new Date('2026-11-01T13:00:00Z')); // 08:00 EST
    // a wall time that never happens (02:30 on the spring-forward day) is reached at the jump, 03:00 EDT
    expect(zonedInstant('2026-03-08', 2.5 * 3600, 'America/New_York')).toEqual(new Date('2026-03-08T07:00:00Z'));
    // one that happens twice (01:30 on the fall-back day): the earlier one, EDT
    expect(zonedInstant('2026-11-01', 1.5 * 3600, 'America/New_York')).toEqual(new Date('2026-11-01T05:30:00Z'));
    // a blackout day ends at the next local midnight, 23 h after its own on the spring-forward day
    expect(blackoutEnd([{ from: '2026-03-08', to: '2026-03-08' }], 'America/New_York', new Date('2026-03-08T15:00:00Z'))).toEqual(new Date('2026-03-09T04:00:00Z'));
  });

  it('when dates and zones are checked, then only real ones pass', () => {
    expect([isDate('2026-02-28'), isDate('2026-02-30'), isDate('2028-02-29'), isDate('2026-13-01'), isDate('26-01-01')]).toEqual([true, false, true, false, false]);
    expect([isTimeZone('Asia/Jayapura'), isTimeZone('Asia/Makassar'), isTimeZone('UTC'), isTimeZone('Mars/Olympus'), isTimeZone('WIB+7'), isTimeZone('')]).toEqual([true, true, true, false, false, false]);
    expect([addDays('2026-12-31', 1), addDays('2028-02-28', 1), isoDayOf('2026-12-07')]).toEqual(['2027-01-01', '2028-02-29', 1]);
  });

  it('when the window has no day or a year is blacked out, then there is no next dialable instant', () => {
    expect(nextDialableAt({ ...office, days: [] }, 'Asia/Jakarta', new Date('2026-12-03T03:00:00Z'))).toBeNull();
    expect(nextDialableAt(office, 'Asia/Jakarta', new Date('2026-12-03T03:00:00Z'), [{ from: '2026-01-01', to: '2028-12-31' }])).toBeNull();
  });
});
