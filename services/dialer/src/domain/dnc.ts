import type { PhoneNormalizer } from '@autocall/phone';
import { dialerErrors } from './errors';

/** A number for the do-not-call list, read as a roster reads it: E.164, or 400 INVALID_PHONE naming why not. */
export function dncPhone(phones: PhoneNormalizer, raw: string): string {
  const r = phones.normalize(raw.trim());
  if (!r.ok) throw dialerErrors.INVALID_PHONE(`The phone is not a valid number of the allowed regions (${r.reason}).`);
  return r.e164;
}

/**
 * What a list search for `phone` looks for in the numbers' E.164 digits: its digits, a national
 * leading 0 read as the default country code (0876… finds +62876…). Undefined: no digit to look for.
 */
export function dncSearchDigits(raw: string, defaultCountryCode: string): string | undefined {
  const digits = raw.replace(/\D/g, '');
  if (digits === '') return undefined;
  return digits.startsWith('0') && !raw.trim().startsWith('+') ? defaultCountryCode + digits.slice(1) : digits;
}
