import { RecordingGet, RecordingRelease, RecordingReserve } from '@autocall/contracts';
import type { Bus } from '@autocall/bus';
import type { RecordingService } from '../usecases/recording.service';

export async function recordingResponders(bus: Bus, recordings: RecordingService) {
  await bus.respond(RecordingGet, (q) => recordings.lookup(q.tenantId, q.recordingId));
  await bus.respond(RecordingReserve, (q) => recordings.reserve(q.tenantId, q.recordingId, q.taskId));
  await bus.respond(RecordingRelease, (q) => recordings.release(q.tenantId, q.taskId));
}
