import { RosterEntriesPage, RosterGet, RosterRelease, RosterReserve } from '@autocall/contracts';
import type { Bus } from '@autocall/bus';
import type { RosterService } from '../usecases/roster.service';

export async function rosterResponders(bus: Bus, rosters: RosterService) {
  await bus.respond(RosterGet, (q) => rosters.lookup(q.tenantId, q.rosterId));
  await bus.respond(RosterReserve, (q) => rosters.reserve(q.tenantId, q.rosterId, q.taskId));
  await bus.respond(RosterRelease, (q) => rosters.release(q.tenantId, q.taskId));
  await bus.respond(RosterEntriesPage, (q) => rosters.entriesPage(q.tenantId, q.rosterId, q.afterRowNumber, q.limit));
}
