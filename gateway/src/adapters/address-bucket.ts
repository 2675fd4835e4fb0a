import { isIPv6 } from 'node:net';

/**
 * The bucket of a client address for failed authentications: an IPv4 address as is (also when
 * written IPv4-mapped), an IPv6 address by its /64, the block a single subscriber usually holds
 * (so rotating through one's own /64 does not buy fresh buckets).
 */
export function addressBucket(ip: string): string {
  if (!ip.includes(':')) return ip; // IPv4: the common case, without the IPv6 grammar check
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1];
  if (!isIPv6(ip)) return ip;
  const [head, tail] = ip.toLowerCase().split('::');
  const left = head ? head.split(':') : [];
  const right = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const rightGroups = right.reduce((n, g) => n + (g.includes('.') ? 2 : 1), 0); // a dotted IPv4 tail is two groups
  const groups = tail === undefined ? left : [...left, ...Array<string>(Math.max(0, 8 - left.length - rightGroups)).fill('0'), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}
