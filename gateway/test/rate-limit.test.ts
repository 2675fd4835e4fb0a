import { addressBucket } from '../src/adapters/address-bucket';
import { FixedWindows } from '../src/domain/rate-limit';

describe('FixedWindows', () => {
  it('when a key uses up its window, then it is blocked until the window ends, and then starts afresh', () => {
    const w = new FixedWindows(2, 1000);
    expect(w.hit('a', 0).count).toBe(1);
    expect(w.blockedFor('a', 10)).toBe(0);
    expect(w.hit('a', 10)).toEqual({ count: 2, resetAt: 1000 });
    expect(w.blockedFor('a', 400)).toBe(600);
    expect(w.blockedFor('b', 400)).toBe(0);
    expect(w.hit('a', 500).count).toBe(3);
    expect(w.blockedFor('a', 1000)).toBe(0);
    expect(w.hit('a', 1000)).toEqual({ count: 1, resetAt: 2000 });
  });

  it('when more keys arrive than it may hold, then the oldest windows go first and memory stays bounded', () => {
    const w = new FixedWindows(1, 1000, 3);
    for (const k of ['a', 'b', 'c', 'd']) w.hit(k, 0);
    expect(w.blockedFor('a', 1)).toBe(0); // dropped
    expect(w.blockedFor('d', 1)).toBe(999);
    w.hit('e', 2000); // every earlier window ended: all dropped
    expect(['b', 'c', 'd'].map((k) => w.blockedFor(k, 2000))).toEqual([0, 0, 0]);
  });
});

describe('addressBucket', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7'],
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['2001:db8:1:2::9', '2001:db8:1:2::/64'],
    ['2001:0db8:0001:0002:ffff:0:0:1', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['64:ff9b::192.0.2.1', '64:ff9b:0:0::/64'],
  ])('when the address is %s, then its bucket is %s', (ip, bucket) => {
    expect(addressBucket(ip)).toBe(bucket);
  });
});
