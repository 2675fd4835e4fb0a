/**
 * How many SMS a text takes, counted exactly as the SMS service counts it (services/sms/src/domain/template.ts,
 * `measureSms`): the console cannot import the service, so this is its copy, and
 * test/segments.test.ts fails the day the two disagree on a sample.
 */

// GSM 03.38 basic character set, and the extension table whose characters take two septets.
const GSM_BASIC = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
);
const GSM_EXTENDED = new Set('^{}\\[~]|€\f');

export type SmsEncoding = 'GSM-7' | 'UCS-2';

export interface SmsSize {
  encoding: SmsEncoding;
  /** septets for GSM-7, UTF-16 code units for UCS-2 */
  units: number;
  segments: number;
  /** units one segment holds at this length (160/153 for GSM-7, 70/67 for UCS-2): what the counter shows */
  perSegment: number;
}

/**
 * GSM-7 when every character is in the GSM alphabet (extension characters count 2): 160 units in
 * one SMS, 153 per part when concatenated. Otherwise UCS-2: 70, or 67 per part.
 */
export function measureSms(text: string): SmsSize {
  let septets = 0;
  let gsm = true;
  for (const ch of text) {
    if (GSM_BASIC.has(ch)) septets += 1;
    else if (GSM_EXTENDED.has(ch)) septets += 2;
    else {
      gsm = false;
      break;
    }
  }
  if (gsm) {
    const single = septets <= 160;
    return { encoding: 'GSM-7', units: septets, segments: septets === 0 ? 1 : single ? 1 : Math.ceil(septets / 153), perSegment: single ? 160 : 153 };
  }
  const units = text.length; // UTF-16 code units: an emoji takes two
  const single = units <= 70;
  return { encoding: 'UCS-2', units, segments: single ? 1 : Math.ceil(units / 67), perSegment: single ? 70 : 67 };
}
