import type { MessageContext } from '@autocall/bus';
import type { DataSource } from 'typeorm';
import type { AttemptRepository } from '../data/attempt.repository';
import { batchedInbox } from './batched-inbox';

export interface SmsStatusItem {
  taskId: string;
  phone: string;
  kind: string;
  status: string;
}

/** sms.sent|failed: shows each number's follow-up SMS on its final attempt (calls list, report); batched, each message once. */
export function smsStatusHandler(db: DataSource, attempts: AttemptRepository, consumer: string): (item: SmsStatusItem, ctx: MessageContext) => Promise<void> {
  return batchedInbox<SmsStatusItem>(db, consumer, (m, items) => attempts.applySms(m, items));
}
