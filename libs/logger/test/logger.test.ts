import { Writable } from 'node:stream';
import { createLogger, scrubText, scrubUrl, serializeError } from '../src';

class QueryFailedError extends Error {
  constructor(
    readonly query: string,
    readonly parameters: unknown[],
    readonly driverError: Record<string, unknown>,
  ) {
    super(String(driverError.message));
    Object.assign(this, driverError);
  }
}

const SECRET = 'provider-password-s3cret';
const PHONE = '+6281234567890';

function pgError() {
  return new QueryFailedError('INSERT INTO sms.sms_accounts ("password", "phone") VALUES ($1, $2)', [SECRET, PHONE], {
    message: 'value too long for type character varying(20)',
    code: '22001',
    detail: `Failing row contains (${SECRET}, ${PHONE}).`,
    where: `SQL statement with ${SECRET}`,
    internalQuery: `SELECT '${SECRET}'`,
    table: 'sms_accounts',
    severity: 'ERROR',
  });
}

describe('error serialisation and scrubbing', () => {
  it('when a QueryFailedError is logged, then the line has its type, message, code and table, and no query, parameters or driver detail', () => {
    const lines: string[] = [];
    const log = createLogger('t', 'info', new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) }));
    log.error({ err: pgError() }, 'unhandled error');
    log.child({ requestId: 'r1' }).error(pgError());
    expect(lines).toHaveLength(2);
    for (const line of lines) {
      expect(line).not.toContain(SECRET);
      expect(line).not.toContain('6281234567890');
      expect(line).not.toMatch(/INSERT|Failing row/);
      const err = JSON.parse(line).err;
      expect(err).toMatchObject({ type: 'QueryFailedError', code: '22001', table: 'sms_accounts', message: 'value too long for type character varying(20)' });
      expect(err.stack).toMatch(/^QueryFailedError: value too long/);
    }
  });

  it('when a message echoes a value or a phone number, then both are scrubbed; causes are serialised alike', () => {
    const e = new Error('outer', { cause: new Error(`invalid input syntax for type uuid: "${SECRET}"`) });
    const s = serializeError(e) as { cause: { message: string } };
    expect(s.cause.message).toBe('invalid input syntax for type uuid: "[redacted]"');
    for (const p of ['+6281234567890', '6281234567890', '081234567890', '0812-3456-7890', '+62 812 3456 7890', '+62 (812) 3456-7890', '(0812) 3456 7890']) {
      expect(scrubText(`sending to ${p} failed`)).not.toMatch(/1234567|3456/);
    }
    // ids, ports and durations stay readable
    expect(scrubText('task 0190a0a0-0000-7000-8000-000000000001 at 127.0.0.1:5432 after 10000 ms')).toBe('task 0190a0a0-0000-7000-8000-000000000001 at 127.0.0.1:5432 after 10000 ms');
    expect(scrubText('connect ECONNREFUSED 172.16.100.200:5432')).toBe('connect ECONNREFUSED 172.16.100.200:5432');
    expect(scrubText('key ak_0123456789abcdefghijABCDEFGHIJ_-0123456789a refused')).toBe('key ak_[redacted] refused');
  });

  it('when a URL carries the SMS callback token or a phone filter, then the logged URL has neither', () => {
    expect(scrubUrl('/v1/sms-callbacks/abcdef0123456789/inbound')).toBe('/v1/sms-callbacks/[redacted]/inbound');
    const u = scrubUrl('/v1/dnc?phone=%2B6281234567890&limit=10&token=xyz');
    expect(u).not.toMatch(/1234567|xyz/);
    expect(u).toContain('limit=10');
    for (const path of ['/v1/dnc/+6287630021323', '/v1/dnc/%2B6287630021323', '/v1/dnc/087630021323']) expect(scrubUrl(path)).not.toMatch(/7630021/);
    expect(scrubUrl('/v1/tasks/0190a0a0-0000-7000-8000-000000000001/calls')).toBe('/v1/tasks/0190a0a0-0000-7000-8000-000000000001/calls');
  });
});
