import { on, type Bus, type MessageContext } from '@autocall/bus';
import { NumberTagged, SmsFailed, SmsSent, SmsStatusChanged, SmsStatusChangedV1, type EventPayload } from '@autocall/contracts';
import type { SmsEventItem } from '../usecases/sms-status';

export const SMS_EVENTS_QUEUE = 'dialer.sms-events';

const FOLLOW_UPS = new Set(['disconnect', 'unanswered']);

/**
 * sms.sent|failed and sms.status (delivered, undelivered): each number's follow-up SMS on its final
 * attempt; number.tagged from SMS replies: the number's tags there too (DTMF tags the dialer wrote
 * itself, so those are left out). Replies and opt-out confirmations are not follow-ups: not shown.
 */
export async function smsEventsConsumer(bus: Bus, record: (item: SmsEventItem, ctx: MessageContext) => Promise<void>) {
  const result = (p: EventPayload<typeof SmsSent>, ctx: MessageContext) => record({ type: 'sms', taskId: p.taskId, phone: p.phone, kind: p.kind, status: p.status }, ctx);
  const status = async (p: EventPayload<typeof SmsStatusChanged> | EventPayload<typeof SmsStatusChangedV1>, ctx: MessageContext) => {
    const { taskId, phone, kind, status: s } = p.message;
    if (taskId && FOLLOW_UPS.has(kind)) await record({ type: 'sms', taskId, phone, kind, status: s }, ctx);
  };
  const tagged = async (p: EventPayload<typeof NumberTagged>, ctx: MessageContext) => {
    if (p.source === 'sms-reply' && p.taskId && p.tag !== null) await record({ type: 'tag', taskId: p.taskId, phone: p.phone, tag: p.tag }, ctx);
  };
  await bus.subscribe(
    SMS_EVENTS_QUEUE,
    [on(SmsSent, result), on(SmsFailed, result), on(SmsStatusChanged, status), on(SmsStatusChangedV1, status), on(NumberTagged, tagged)],
    { prefetch: 500 },
  );
}
