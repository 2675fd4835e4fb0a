import { DncChanged, type DncChangedT } from '@autocall/contracts';
import { on, type Bus, type MessageContext } from '@autocall/bus';

export const dncQueue = (queuePrefix: string) => `${queuePrefix}.dnc`;

/** dnc.changed → the sms service's copy of the tenant's DNC list (usecases/dnc-copy). */
export async function dncConsumer(bus: Bus, apply: (e: DncChangedT, ctx: MessageContext) => Promise<void>, opts: { queuePrefix: string }) {
  // a lost change would leave a number texted against its owner's wish, or blocked for good: retried long
  await bus.subscribe(dncQueue(opts.queuePrefix), [on(DncChanged, apply)], { maxRetries: 10, retryBaseMs: 1000 });
}
