import type { MessageKey } from '../i18n/languages';

/** The codes an SMS is skipped with (API.md "Delivery receipts, replies and opt-out", "contact policy", tenant limits); other reasons are the service's own words. */
const REASONS: Record<string, MessageKey> = {
  DNC: 'smsMessages.reason.DNC',
  TOO_LATE: 'smsMessages.reason.TOO_LATE',
  CONTACT_LIMIT: 'smsMessages.reason.CONTACT_LIMIT',
  TENANT_LIMIT: 'smsMessages.reason.TENANT_LIMIT',
};

/** A message's `failureReason` in the reader's language when it is one of the API's codes, else as the API gave it. */
export function smsReason(t: (key: MessageKey) => string, reason: string): string {
  const key = Object.hasOwn(REASONS, reason) ? REASONS[reason] : undefined;
  return key ? t(key) : reason;
}
