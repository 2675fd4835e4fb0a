import { checkCaps, parseCap, placeCapErrors, toCapDraft } from '../src/policy/contactPolicy';

// The Dialing Policy's contact policy form: its own checks (the API's rule: no cap, or a whole number 1–10) and where the API's errors go.
describe('the contact policy’s checks', () => {
  it('when a cap is typed, then empty is no cap and only a whole number from 1 to 10 passes', () => {
    expect(['', '  ', '1', ' 7 ', '10', '03'].map(parseCap)).toEqual([null, null, 1, 7, 10, 3]);
    expect(['0', '11', '100', '-1', '1.5', '2e1', 'three', '١'].map(parseCap)).toEqual([undefined, undefined, undefined, undefined, undefined, undefined, undefined, undefined]);
  });

  it('when the form is checked, then a cap out of range is said on its own field and nothing is sent; both right, the body is what the API takes', () => {
    expect(checkCaps({ maxCallsPerNumberPerDay: '11', maxSmsPerNumberPerDay: '2' })).toEqual({ errors: { maxCallsPerNumberPerDay: 'range' } });
    expect(checkCaps({ maxCallsPerNumberPerDay: '3', maxSmsPerNumberPerDay: '' })).toEqual({ errors: {}, body: { maxCallsPerNumberPerDay: 3, maxSmsPerNumberPerDay: null } });
  });

  it('when the policy is read, then a null cap is an empty field', () => {
    expect(toCapDraft({ maxCallsPerNumberPerDay: null, maxSmsPerNumberPerDay: 4 })).toEqual({ maxCallsPerNumberPerDay: '', maxSmsPerNumberPerDay: '4' });
  });

  it('when the API refuses, then its errors go to the fields they name, the rest to the form', () => {
    const { placed, rest } = placeCapErrors([
      { field: '/maxSmsPerNumberPerDay', message: 'must be <= 10' },
      { field: 'body.maxCallsPerNumberPerDay', message: 'must be >= 1' },
      { field: '/maxSmsPerNumberPerDay', message: 'must be null' },
      { field: '', message: 'must NOT have additional properties' },
    ]);
    expect(placed).toEqual({ maxSmsPerNumberPerDay: { text: 'must be <= 10' }, maxCallsPerNumberPerDay: { text: 'must be >= 1' } });
    expect(rest).toEqual(['must NOT have additional properties']);
  });
});
