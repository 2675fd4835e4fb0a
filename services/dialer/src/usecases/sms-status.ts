import type { MessageContext } from '@autocall/bus';
import type { DataSource } from 'typeorm';
import type { AttemptRepository } from '../data/attempt.repository';
import type { SmsStateItem, TagItem } from '../domain/call-sms';
import { batchedInbox } from './batched-inbox';

/** An sms service event as the calls list needs it: a follow-up's status, or a reply's tag. */
export type SmsEventItem = ({ type: 'sms' } & SmsStateItem) | ({ type: 'tag' } & TagItem);

/**
 * sms.sent|failed, sms.status and number.tagged (from replies): each number's follow-up SMS status
 * and reply tags on its final attempt (calls list, report); batched, each message once.
 */
export function smsStatusHandler(db: DataSource, attempts: AttemptRepository, consumer: string): (item: SmsEventItem, ctx: MessageContext) => Promise<void> {
  return batchedInbox<SmsEventItem>(db, consumer, async (m, items) => {
    await attempts.applySms(
      m,
      items.flatMap((i) => (i.type === 'sms' ? [i] : [])),
    );
    await attempts.applyTags(
      m,
      items.flatMap((i) => (i.type === 'tag' ? [i] : [])),
    );
  });
}
