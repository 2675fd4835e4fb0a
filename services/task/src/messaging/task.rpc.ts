import { TaskGet } from '@autocall/contracts';
import type { Bus } from '@autocall/bus';
import type { TaskService } from '../usecases/task.service';

export async function taskResponders(bus: Bus, tasks: TaskService) {
  await bus.respond(TaskGet, (q) => tasks.snapshot(q.tenantId, q.taskId));
}
