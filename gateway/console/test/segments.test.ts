import { measureSms as service } from '../../../services/sms/src/domain/template';
import { measureSms as console } from '../src/library/segments';

// The console's live counter must say what the API will answer (POST /v1/sms-templates → encoding, segments).
const samples: Array<[string, string]> = [
  ['empty', ''],
  ['160 GSM characters (one SMS)', 'a'.repeat(160)],
  ['161 GSM characters (two parts)', 'a'.repeat(161)],
  ['306 GSM characters (two full parts)', 'b'.repeat(306)],
  ['307 GSM characters (three parts)', 'b'.repeat(307)],
  ['159 units with € (counts two)', `${'x'.repeat(158)}€`],
  ['161 units with { (counts two)', `${'x'.repeat(159)}{`],
  ['a placeholder and its braces', 'Dear {{name}}, your order for {{taskName}} is ready. Call {{phone}}.'],
  ['Indonesian (GSM)', 'Pelanggan yth, panggilan Anda tidak terjawab. Hubungi kami di 1500-123.'],
  ['Chinese (UCS-2)', '尊敬的客户，您的服务已完成。'.repeat(5)],
  ['70 UCS-2 units (one SMS)', 'ā'.repeat(70)],
  ['71 UCS-2 units (two parts)', 'ā'.repeat(71)],
  ['an emoji takes two units', `${'a'.repeat(68)}😀`],
  ['Greek capitals are GSM', 'ΔΦΓΛΩΠΨΣΘΞ'],
  ['a form feed is an extension', '\f'],
];

describe('SMS segment counter', () => {
  it.each(samples)('when the text is %s, then the console counts as the SMS service does', (_what, text) => {
    const mine = console(text);
    const theirs = service(text);
    expect({ encoding: mine.encoding, units: mine.units, segments: mine.segments }).toEqual(theirs);
  });

  it('when a GSM text has 161 characters, then it is 2 segments of 153', () => {
    expect(console('a'.repeat(161))).toEqual({ encoding: 'GSM-7', units: 161, segments: 2, perSegment: 153 });
    expect(console('汉'.repeat(71))).toEqual({ encoding: 'UCS-2', units: 71, segments: 2, perSegment: 67 });
  });
});
