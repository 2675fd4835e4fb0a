import { checkBlackouts, isRealDate, placeApiErrors, toBody, type BlackoutDraft } from '../src/policy/calendar';

// The Dialing Policy calendar's own checks (the API's rules: real dates, ranges not reversed, a name) and where the API's errors go.
const entry = (p: Partial<BlackoutDraft>): BlackoutDraft => ({ key: p.key ?? 'k', kind: 'date', date: '', from: '', to: '', name: 'Holiday', ...p });

describe('the blackout calendar’s checks', () => {
  it('when a date is typed, then only a day of the calendar in YYYY-MM-DD passes', () => {
    expect(['2026-02-28', '2028-02-29', '2026-12-31'].map(isRealDate)).toEqual([true, true, true]);
    expect(['2026-02-29', '2026-02-30', '2026-13-01', '2026-00-10', '2026-1-5', '20260105', ''].map(isRealDate)).toEqual([false, false, false, false, false, false, false]);
  });

  it('when entries are checked, then impossible dates, a reversed range and a missing name are each said on their field', () => {
    const errors = checkBlackouts([
      entry({ key: 'a', date: '2026-02-30' }),
      entry({ key: 'b', kind: 'range', from: '2026-04-10', to: '2026-04-01' }),
      entry({ key: 'c', kind: 'range', from: '2026-04-01', to: '2026-04-01', name: '  ' }),
      entry({ key: 'd', date: '2026-03-20' }),
    ]);
    expect(Object.fromEntries(errors)).toEqual({ a: { date: 'impossible' }, b: { to: 'reversed' }, c: { name: 'required' } });
  });

  it('when the API refuses, then each of its errors goes to the entry and field it names, the rest to the form', () => {
    const list = [entry({ key: 'a', date: '2026-03-20' }), entry({ key: 'b', kind: 'range', from: '2026-04-01', to: '2026-04-02' })];
    const { placed, rest } = placeApiErrors(list, [
      { field: '/blackouts/1/to', message: 'must not be before from' },
      { field: 'body.blackouts.0', message: 'bad entry' },
      { field: 'blackouts', message: 'must have at most 366 items' },
    ]);
    expect(Object.fromEntries(placed)).toEqual({ a: { date: { text: 'bad entry' } }, b: { to: { text: 'must not be before from' } } });
    expect(rest).toEqual(['must have at most 366 items']);
    expect(toBody(list)).toEqual([{ date: '2026-03-20', name: 'Holiday' }, { from: '2026-04-01', to: '2026-04-02', name: 'Holiday' }]);
  });
});
