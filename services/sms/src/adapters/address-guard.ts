/** The SSRF guard: provider URLs and connections may not reach private, loopback or link-local addresses. */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { smsErrors } from '../domain/errors';

const privateRanges = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) privateRanges.addSubnet(net, bits, 'ipv4');
// ::/96 also covers IPv4-compatible ::a.b.c.d; NAT64 and 6to4 can carry private IPv4 addresses
for (const [net, bits] of [['::', 96], ['::1', 128], ['64:ff9b::', 96], ['64:ff9b:1::', 48], ['2002::', 16], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8]] as const) privateRanges.addSubnet(net, bits, 'ipv6');

export function isPrivate(address: string): boolean {
  const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
  const mapped = family === 'ipv6' && address.toLowerCase().startsWith('::ffff:') ? address.slice(7) : undefined;
  if (mapped && isIP(mapped) === 4) return privateRanges.check(mapped, 'ipv4');
  return privateRanges.check(address, family);
}

/** Refuses provider URLs that reach inside the deployment (SSRF), unless allowed by config. */
export async function assertPublicUrl(raw: string): Promise<void> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw smsErrors.SMS_PROVIDER_SETTINGS_INVALID('settings.url is not a URL.');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw smsErrors.SMS_PROVIDER_SETTINGS_INVALID('settings.url must be http(s).');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const addresses = isIP(host) ? [host] : await lookup(host, { all: true }).then((r) => r.map((a) => a.address), () => [] as string[]);
  if (addresses.length === 0) throw smsErrors.SMS_PROVIDER_SETTINGS_INVALID(`settings.url host ${host} does not resolve.`);
  if (addresses.some(isPrivate) || host === 'localhost') throw smsErrors.SMS_PROVIDER_URL_FORBIDDEN();
}

/** The error a connection gets when its host resolves to an address {@link publicOnlyLookup} refuses. */
export const PRIVATE_ADDRESS = 'EPRIVATEADDRESS';

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `net.connect` lookup that refuses hosts resolving to any private address. Used for the connection
 * itself, so the address checked is the address connected to (no DNS-rebinding window between a check
 * and the request's own resolution).
 */
export function publicOnlyLookup(hostname: string, options: { all?: boolean; family?: number | string }, callback: LookupCallback): void {
  dnsLookup(hostname, { family: typeof options.family === 'number' ? options.family : 0, all: true }, (err, addresses) => {
    if (err) return callback(err, []);
    if (addresses.length === 0 || addresses.some((a) => isPrivate(a.address))) {
      return callback(Object.assign(new Error(`${hostname} resolves to a private address`), { code: PRIVATE_ADDRESS }), []);
    }
    if (options.all) callback(null, addresses);
    else callback(null, addresses[0].address, addresses[0].family);
  });
}
