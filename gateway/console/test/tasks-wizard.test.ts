import { isValidTaskName } from '../../../services/task/src/domain/task-name';
import { nameProblem } from '../src/tasks/taskName';
import { firstCall, type Timing } from '../src/tasks/wizard/firstCall';
import { zonedToUtc } from '../src/tasks/wizard/wib';

// The wizard's pure rules: the name check is the task service's own, and times typed are read in WIB.
describe('the Add dialog’s rules', () => {
  it('when a name is checked as typed, then the console agrees with the task service on every case', () => {
    const cases = ['January 2026 Promotion', '一月 促销 2026', '  padded  ', '', '   ', 'a'.repeat(64), 'a'.repeat(65), '一'.repeat(64), '𠀀'.repeat(64), 'Promo #1', 'snake_case', 'dash-ed', 'Café', 'emoji 🎉', 'tab\there', '\tlead', 'nbsp\u00a0x', 'ｆｕｌｌ'];
    for (const c of cases) expect([c, nameProblem(c) === undefined]).toEqual([c, isValidTaskName(c)]);
  });

  it('when a name is refused, then the reason names what to change', () => {
    expect(nameProblem('Promo #1 @ 50%')).toEqual({ key: 'tasks.name.badCharacters', values: { chars: '# @ %' } });
    expect(nameProblem('tab\there')).toEqual({ key: 'tasks.name.badCharacters', values: { chars: 'U+0009' } });
    expect(nameProblem('a'.repeat(70))).toEqual({ key: 'tasks.name.tooLong', values: { count: 70 } });
    expect(nameProblem('  ')).toEqual({ key: 'tasks.name.empty' });
  });

  it('when a start time is typed, then it is read in WIB whatever the process zone, and an impossible one is refused', () => {
    expect(zonedToUtc('2026-01-15T09:00')).toBe('2026-01-15T02:00:00.000Z');
    expect(zonedToUtc('2026-01-01T03:30')).toBe('2025-12-31T20:30:00.000Z');
    expect(zonedToUtc('2026-02-30T09:00')).toBeUndefined();
    expect(zonedToUtc('2026-01-15T24:00')).toBeUndefined();
    expect(zonedToUtc('2026-01-15 09:00')).toBeUndefined();
    expect(zonedToUtc('2026-01-15T10:00', 'Asia/Makassar')).toBe('2026-01-15T02:00:00.000Z');
  });

  it('when the start falls outside the calling window, then the first call waits for its next opening', () => {
    const draft = (p: Partial<Timing>): Timing => ({ startMode: 'immediate', startAt: '', windowStart: '08:00', windowEnd: '20:00', ...p });
    const at2100Wib = Date.parse('2026-01-15T14:00:00.000Z');
    expect(firstCall(draft({}), at2100Wib)).toEqual({ at: '2026-01-16T01:00:00.000Z', waits: true });
    expect(firstCall(draft({ windowStart: '00:00', windowEnd: '24:00' }), at2100Wib)).toEqual({ at: '2026-01-15T14:00:00.000Z', waits: false });
    expect(firstCall(draft({}), Date.parse('2026-01-14T23:00:00.000Z'))).toEqual({ at: '2026-01-15T01:00:00.000Z', waits: true });
    expect(firstCall(draft({ startMode: 'scheduled', startAt: '2026-01-20T09:00' }), at2100Wib)).toEqual({ at: '2026-01-20T02:00:00.000Z', waits: false });
    expect(firstCall(draft({ startMode: 'scheduled', startAt: '2026-01-20T06:00' }), at2100Wib)).toEqual({ at: '2026-01-20T01:00:00.000Z', waits: true });
  });
});
