import type { Bus } from '@autocall/bus';
import { DncAdd } from '@autocall/contracts';
import type { DncList } from '../usecases/dnc';

/** `dnc.add`: the sms service's opt-outs and DTMF opt-outs list a number (API.md); 400 INVALID_PHONE travels back as the error. */
export async function dncResponders(bus: Bus, dnc: DncList) {
  await bus.respond(DncAdd, (q) => dnc.add(q.tenantId, { phone: q.phone, reason: q.reason, source: q.source, createdBy: q.createdBy ?? 'system' }));
}
