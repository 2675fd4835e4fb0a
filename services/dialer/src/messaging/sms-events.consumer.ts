import { on, type Bus } from '@autocall/bus';
import { SmsFailed, SmsSent, type EventPayload } from '@autocall/contracts';
import type { DataSource } from 'typeorm';
import type { AttemptRepository } from '../data/attempt.repository';
import { batchedInbox } from './batched-inbox';

const QUEUE = 'dialer.sms-events';

/** sms.sent|failed: shows each number's follow-up SMS on its final attempt (calls list, report). */
export async function smsEventsConsumer(bus: Bus, db: DataSource, attempts: AttemptRepository) {
  const handle = batchedInbox<EventPayload<typeof SmsSent>>(db, QUEUE, (m, items) =>
    attempts.applySms(
      m,
      items.map((i) => ({ taskId: i.taskId, phone: i.phone, kind: i.kind, status: i.status })),
    ),
  );
  await bus.subscribe(QUEUE, [on(SmsSent, handle), on(SmsFailed, handle)], { prefetch: 500 });
}
