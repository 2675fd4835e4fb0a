/** Unit tests of the pure rules in src/domain: no database, no broker. */
import { cleanFileName, NAME_MAX, parseRange, recordingName } from '../src/domain/recording';

describe('recording rules', () => {
  it('when a file name is cleaned, then only its last segment stays, without control characters, and dot names are empty', () => {
    expect(cleanFileName('C:\\music\\a/b/hello\u0007.mp3')).toBe('hello.mp3');
    expect(cleanFileName('..')).toBe('');
    expect(cleanFileName(undefined)).toBe('');
    expect([...cleanFileName('é'.repeat(300))]).toHaveLength(255);
  });

  it('when no name is sent, then the file name without its extension is the name, or "Recording"', () => {
    expect(recordingName(undefined, 'greeting.v2.mp3')).toBe('greeting.v2');
    expect(recordingName(undefined, '.mp3')).toBe('Recording');
    expect(recordingName('  Hello  ', 'x.mp3')).toBe('Hello');
  });

  it('when the name is blank or too long, then it is a validation error on name', () => {
    for (const name of ['   ', 'x'.repeat(NAME_MAX + 1)]) {
      expect(() => recordingName(name, 'x.mp3')).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED', status: 400 }));
    }
  });

  it.each([
    [undefined, undefined],
    ['bytes=0-9', { start: 0, end: 9 }],
    ['bytes=90-', { start: 90, end: 99 }],
    ['bytes=-10', { start: 90, end: 99 }],
    ['bytes=50-500', { start: 50, end: 99 }],
    ['bytes=100-', 'unsatisfiable'],
    ['bytes=-0', 'unsatisfiable'],
    ['bytes=9-1', undefined],
    ['bytes=0-1,5-6', undefined],
  ] as const)('when the range is %j against 100 bytes, then %j', (header, expected) => {
    expect(parseRange(header, 100)).toEqual(expected);
  });
});
