import { defaultDialing, expectProblem, multipart } from '../src';

describe('factories', () => {
  it('when a task snapshot needs dialing settings, then defaultDialing() is what a create body without any gets', () => {
    const window = { start: '08:00', end: '20:00', days: [1, 2, 3, 4, 5, 6, 7] };
    expect(defaultDialing()).toEqual({ maxConcurrentCalls: 10, callsPerSecond: 5, ringTimeoutSeconds: 30, maxAttempts: 1, retryDelayMinutes: 30, callerId: null, callingWindow: window, skipBlackouts: true });
    expect(defaultDialing()).not.toBe(defaultDialing());
  });

  it('when a multipart body is built, then each part has its disposition, its file name even empty, and its type only when given', () => {
    const body = multipart([{ name: 'name', data: 'Promo' }, { name: 'file', filename: '', contentType: 'audio/mpeg', data: Buffer.from('ID3') }], 'b');
    expect(body.headers).toEqual({ 'content-type': 'multipart/form-data; boundary=b' });
    expect(body.payload.toString()).toBe(
      '--b\r\nContent-Disposition: form-data; name="name"\r\n\r\nPromo\r\n' + '--b\r\nContent-Disposition: form-data; name="file"; filename=""\r\nContent-Type: audio/mpeg\r\n\r\nID3\r\n' + '--b--\r\n',
    );
  });

  it('when a problem is expected, then an inject response and a parsed one are checked alike', () => {
    const headers = { 'content-type': 'application/problem+json; charset=utf-8' };
    expectProblem({ status: 404, headers, body: { code: 'NOT_FOUND' } }, 404, 'NOT_FOUND');
    expectProblem({ statusCode: 409, headers, body: '{"code":"IN_USE"}', json: () => ({ code: 'IN_USE' }) } as never, 409, 'IN_USE');
    expect(() => expectProblem({ status: 404, headers: { 'content-type': 'application/json' }, body: { code: 'NOT_FOUND' } }, 404, 'NOT_FOUND')).toThrow();
  });
});
