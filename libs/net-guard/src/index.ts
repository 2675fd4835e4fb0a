/**
 * The public-address guard (SSRF): URLs the platform posts to on a tenant's behalf (an SMS
 * provider, a webhook endpoint) may not reach inside the deployment — private, loopback,
 * link-local, CGNAT, multicast or reserved addresses — unless a deployment allows it. The check at
 * configuration time names the reason; at connection time the address checked is the address
 * connected to (DNS pinned through the connection's own lookup, no window for rebinding), and
 * nothing follows redirects.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { Agent } from 'undici';

const privateRanges = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) privateRanges.addSubnet(net, bits, 'ipv4');
// ::/96 also covers IPv4-compatible ::a.b.c.d; NAT64 and 6to4 can carry private IPv4 addresses
for (const [net, bits] of [['::', 96], ['::1', 128], ['64:ff9b::', 96], ['64:ff9b:1::', 48], ['2002::', 16], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8]] as const) privateRanges.addSubnet(net, bits, 'ipv6');

/** Whether an IP address is one the guard refuses (IPv4-mapped IPv6 judged as its IPv4). */
export function isPrivate(address: string): boolean {
  const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
  const mapped = family === 'ipv6' && address.toLowerCase().startsWith('::ffff:') ? address.slice(7) : undefined;
  if (mapped && isIP(mapped) === 4) return privateRanges.check(mapped, 'ipv4');
  return privateRanges.check(address, family);
}

/** Why a URL is refused. */
export type UrlRefusal = 'invalid' | 'scheme' | 'credentials' | 'private' | 'unresolvable';

export type UrlVerdict = { ok: true; url: URL } | { ok: false; reason: UrlRefusal; message: string };

export interface UrlCheckOptions {
  /** Private, loopback and link-local addresses allowed (tests, on-prem receivers): no DNS look-up then. */
  allowPrivate?: boolean;
  /** A URL with a user name or password is refused (`credentials`) unless this is set. */
  allowCredentials?: boolean;
  /** The resolver (default the system's); tests pass their own. */
  resolve?: (host: string) => Promise<string[]>;
  /** A system look-up slower than this counts as no answer (`unresolvable`), never a hang; default 5 s. */
  resolveTimeoutMs?: number;
}

const hostOf = (url: URL) => url.hostname.replace(/^\[|\]$/g, '');
const isLocalhostName = (host: string) => {
  const h = host.toLowerCase().replace(/\.$/, '');
  return h === 'localhost' || h.endsWith('.localhost');
};

async function systemResolve(host: string, timeoutMs: number): Promise<string[]> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<string[]>((resolve) => (timer = setTimeout(() => resolve([]), timeoutMs)));
  try {
    return await Promise.race([lookup(host, { all: true }).then((r) => r.map((a) => a.address), () => [] as string[]), late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Judges a URL the platform will post to: http(s) only, no credentials (unless allowed), and a
 * host that is not, and does not resolve to, a refused address (unless private ones are allowed).
 */
export async function checkUrl(raw: string, opts: UrlCheckOptions = {}): Promise<UrlVerdict> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: 'invalid', message: 'The URL does not parse.' };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { ok: false, reason: 'scheme', message: 'The URL must be http or https.' };
  if (!opts.allowCredentials && (url.username !== '' || url.password !== '')) return { ok: false, reason: 'credentials', message: 'The URL may not carry a user name or password.' };
  if (opts.allowPrivate) return { ok: true, url };
  const host = hostOf(url);
  if (isLocalhostName(host)) return { ok: false, reason: 'private', message: `${host} is a loopback name.` };
  const addresses = isIP(host) ? [host] : await (opts.resolve ?? ((h: string) => systemResolve(h, opts.resolveTimeoutMs ?? 5_000)))(host);
  if (addresses.length === 0) return { ok: false, reason: 'unresolvable', message: `The host ${host} does not resolve.` };
  if (addresses.some(isPrivate)) return { ok: false, reason: 'private', message: `The host ${host} is, or resolves to, a private, loopback or link-local address.` };
  return { ok: true, url };
}

/**
 * What can be refused before connecting, without DNS: a bad URL or scheme, an IP literal in a
 * refused range, a loopback name. Names are judged when the connection resolves them.
 */
export function hostMayBePublic(raw: string): boolean {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return false;
  const host = hostOf(url);
  return isIP(host) ? !isPrivate(host) : !isLocalhostName(host);
}

/** The error code a connection gets when its host resolves to an address {@link publicOnlyLookup} refuses. */
export const PRIVATE_ADDRESS = 'EPRIVATEADDRESS';

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `net.connect` lookup that refuses hosts resolving to any refused address. Used for the
 * connection itself, so the address checked is the address connected to.
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

/** Whether an error (undici's, or its cause) is the guard refusing the connection's address. */
export function isPrivateAddressError(err: unknown): boolean {
  const e = err as { code?: string; cause?: { code?: string } } | undefined;
  return e?.code === PRIVATE_ADDRESS || e?.cause?.code === PRIVATE_ADDRESS;
}

/**
 * An undici dispatcher for posting to outside URLs: connections resolve through
 * {@link publicOnlyLookup} unless private addresses are allowed. undici's `request` never follows
 * redirects, so a 3xx is an answer, not a hop elsewhere.
 */
export function guardedAgent(opts: { allowPrivate: boolean; connections?: number; keepAliveTimeoutMs?: number }): Agent {
  return new Agent({
    connections: opts.connections,
    keepAliveTimeout: opts.keepAliveTimeoutMs ?? 4_000,
    connect: opts.allowPrivate ? undefined : { lookup: publicOnlyLookup },
  });
}
