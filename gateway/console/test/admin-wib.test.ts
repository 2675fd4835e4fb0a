import { fromWibInput } from '../src/admin/wib';

describe('a time typed in WIB for the audit log filters', () => {
  it('when a real time is typed, then it goes to the API with the +07:00 offset, whatever the browser zone', () => {
    expect(fromWibInput('2026-01-15 09:00')).toBe('2026-01-15T09:00:00+07:00');
    expect(fromWibInput(' 2026-12-31T23:59 ')).toBe('2026-12-31T23:59:00+07:00');
    expect(new Date(fromWibInput('2026-01-15 09:00')!).toISOString()).toBe('2026-01-15T02:00:00.000Z');
  });

  it('when what is typed is not a real time, then it is refused (null), not sent', () => {
    for (const bad of ['2026-02-30 09:00', '2026-01-15 24:00', '2026-13-01 09:00', '2026-01-15', '15/01/2026 09:00', '']) expect(fromWibInput(bad)).toBeNull();
  });
});
