import { on, type Bus, type MessageContext } from '@autocall/bus';
import { SmsFailed, SmsSent, type EventPayload } from '@autocall/contracts';
import type { SmsStatusItem } from '../usecases/sms-status';

export const SMS_EVENTS_QUEUE = 'dialer.sms-events';

/** sms.sent|failed: shows each number's follow-up SMS on its final attempt (calls list, report). */
export async function smsEventsConsumer(bus: Bus, record: (item: SmsStatusItem, ctx: MessageContext) => Promise<void>) {
  const handle = (p: EventPayload<typeof SmsSent>, ctx: MessageContext) => record({ taskId: p.taskId, phone: p.phone, kind: p.kind, status: p.status }, ctx);
  await bus.subscribe(SMS_EVENTS_QUEUE, [on(SmsSent, handle), on(SmsFailed, handle)], { prefetch: 500 });
}
