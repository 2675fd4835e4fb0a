import { checkUrl, hostMayBePublic, isPrivate } from '@autocall/net-guard';

const resolvesTo = (addresses: string[]) => async () => addresses;

describe('the public-address guard', () => {
  it('when an address is private, loopback, link-local, CGNAT, or carries one (mapped, NAT64, 6to4), then it is refused', () => {
    for (const a of ['10.1.2.3', '127.0.0.1', '169.254.169.254', '172.16.0.1', '192.168.1.1', '100.64.0.1', '0.0.0.0', '::1', 'fe80::1', 'fc00::1', '::ffff:127.0.0.1', '64:ff9b::a00:1', '2002:a00:1::']) {
      expect([a, isPrivate(a)]).toEqual([a, true]);
    }
    for (const a of ['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111']) expect([a, isPrivate(a)]).toEqual([a, false]);
  });

  it('when a URL has credentials, another scheme, a private literal, a loopback name or a name resolving to a private address, then it names the reason', async () => {
    const publicDns = { resolve: resolvesTo(['93.184.216.34']) };
    expect(await checkUrl('not a url', publicDns)).toMatchObject({ ok: false, reason: 'invalid' });
    expect(await checkUrl('ftp://example.com/x', publicDns)).toMatchObject({ ok: false, reason: 'scheme' });
    expect(await checkUrl('https://user:pw@example.com/x', publicDns)).toMatchObject({ ok: false, reason: 'credentials' });
    expect(await checkUrl('https://user@example.com/x', publicDns)).toMatchObject({ ok: false, reason: 'credentials' });
    expect(await checkUrl('http://169.254.169.254/latest', publicDns)).toMatchObject({ ok: false, reason: 'private' });
    expect(await checkUrl('http://[::1]:8080/', publicDns)).toMatchObject({ ok: false, reason: 'private' });
    expect(await checkUrl('http://LOCALHOST./', publicDns)).toMatchObject({ ok: false, reason: 'private' });
    expect(await checkUrl('https://rebind.example/', { resolve: resolvesTo(['93.184.216.34', '10.0.0.5']) })).toMatchObject({ ok: false, reason: 'private' });
    expect(await checkUrl('https://nowhere.example/', { resolve: resolvesTo([]) })).toMatchObject({ ok: false, reason: 'unresolvable' });
    expect(await checkUrl('https://example.com/hook', publicDns)).toMatchObject({ ok: true });
  });

  it('when private addresses are allowed, then only the scheme and credentials are judged', async () => {
    expect(await checkUrl('http://127.0.0.1:9/x', { allowPrivate: true })).toMatchObject({ ok: true });
    expect(await checkUrl('http://a:b@127.0.0.1:9/x', { allowPrivate: true })).toMatchObject({ ok: false, reason: 'credentials' });
    expect(await checkUrl('http://a:b@example.com/x', { allowCredentials: true, resolve: resolvesTo(['93.184.216.34']) })).toMatchObject({ ok: true });
  });

  it('when judged without DNS, then IP literals and loopback names are refused and other names wait for the connection', () => {
    expect(hostMayBePublic('http://10.0.0.1/')).toBe(false);
    expect(hostMayBePublic('http://localhost:80/')).toBe(false);
    expect(hostMayBePublic('file:///etc/passwd')).toBe(false);
    expect(hostMayBePublic('https://example.com/')).toBe(true);
  });
});
