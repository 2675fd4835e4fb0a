import { PhoneNormalizer } from '../src';

const phones = new PhoneNormalizer({ defaultRegion: 'ID', allowedRegions: ['ID'] });

describe('phone normalisation', () => {
  it.each([
    ['87630021323', '+6287630021323'],
    ['087630021323', '+6287630021323'],
    ['6287630021323', '+6287630021323'],
    ['+6287630021323', '+6287630021323'],
    [' +62 876-3002.1323 ', '+6287630021323'],
    ['(021) 5550123', '+62215550123'],
  ])('when the cell is %p, then it becomes %s', (raw, e164) => {
    expect(phones.normalize(raw)).toEqual({ ok: true, e164 });
  });

  it.each([
    ['', 'EMPTY'],
    ['abc', 'NOT_A_NUMBER'],
    ['0812-abc', 'NOT_A_NUMBER'],
    ['+62+812', 'NOT_A_NUMBER'],
    ['0812', 'TOO_SHORT'],
    ['081234567890123456', 'TOO_LONG'],
    ['0000000000', 'INVALID_NUMBER'],
    ['+6591234567', 'FOREIGN_NUMBER'],
    ['+12025550143', 'FOREIGN_NUMBER'],
  ])('when the cell is %p, then the reason is %s', (raw, reason) => {
    expect(phones.normalize(raw)).toEqual({ ok: false, reason });
  });

  it('when many numbers are checked, then the compiled fast path agrees with libphonenumber', () => {
    let seed = 42;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 20000; i++) {
      const len = 6 + Math.floor(rnd() * 10);
      let digits = '62';
      for (let d = 0; d < len; d++) digits += Math.floor(rnd() * 10);
      const fast = phones.normalize(`+${digits}`);
      const slow = phones.slowOnly(digits);
      expect([digits, fast]).toEqual([digits, slow]);
    }
  });

  it('when a different region is allowed, then its numbers pass and Indonesian ones are foreign', () => {
    const sg = new PhoneNormalizer({ defaultRegion: 'SG', allowedRegions: ['SG'] });
    expect(sg.normalize('91234567')).toEqual({ ok: true, e164: '+6591234567' });
    expect(sg.normalize('+6287630021323')).toEqual({ ok: false, reason: 'FOREIGN_NUMBER' });
  });
});
