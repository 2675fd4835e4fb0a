import type { MessageContext } from '@autocall/bus';
import { handleOnce } from '@autocall/bus';
import type { DncChangedT } from '@autocall/contracts';
import type { DataSource } from 'typeorm';
import { dncRepository } from '../data/dnc.repository';

export const DNC_CONSUMER = 'sms.dnc';

/**
 * The copy of the tenants' DNC lists that every send is checked against (the dialer owns the list
 * and announces each change as dnc.changed): each message applied once (inbox), newest version per
 * number kept, so no RPC per SMS and no stale block after a removal.
 */
export function dncChangedHandler(db: DataSource): (e: DncChangedT, ctx: MessageContext) => Promise<void> {
  return async (e, ctx) => void (await handleOnce(db, DNC_CONSUMER, ctx.id, (m) => dncRepository.apply(m, e)));
}
