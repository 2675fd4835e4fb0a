import { taskRoutes as r } from '@autocall/contracts';
import { route, tenantOf, type App } from '@autocall/http';
import type { TaskService } from '../usecases/task.service';

export function taskRoutes(app: App, tasks: TaskService) {
  route(app, r.createTask, async (req, reply) => {
    if (req.query.dryRun === true) return tasks.dryRun(tenantOf(req), req.body);
    const t = await tasks.create(tenantOf(req), req.body, req.id);
    return reply.code(201).header('location', `/v1/tasks/${t.id}`).send(t);
  });
  route(app, r.listTasks, (req) => tasks.list(tenantOf(req), req.query));
  route(app, r.getTask, (req) => tasks.get(tenantOf(req), req.params.id));
  route(app, r.updateTask, (req) => tasks.update(tenantOf(req), req.params.id, req.body, req.id));
  route(app, r.deleteTask, async (req, reply) => {
    await tasks.remove(tenantOf(req), req.params.id, req.id);
    return reply.code(204).send();
  });
  route(app, r.pauseTask, (req) => tasks.pause(tenantOf(req), req.params.id, req.id));
  route(app, r.resumeTask, (req) => tasks.resume(tenantOf(req), req.params.id, req.id));
  route(app, r.cancelTask, (req) => tasks.cancel(tenantOf(req), req.params.id, req.id));
}
