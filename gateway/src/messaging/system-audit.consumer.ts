import { SystemActionRecorded, TaskCompleted, TaskStarted, type TaskSnapshotT } from '@autocall/contracts';
import { on, type Bus, type MessageContext } from '@autocall/bus';
import { auditIdOf, systemTaskAction } from '../domain/system-audit';
import type { AuditService } from '../usecases/audit.service';

export const SYSTEM_AUDIT_QUEUE = 'gateway.system-audit';

/** What the platform does by itself goes to the audit log with actor `system`: scheduled starts, completions, and the services' own `audit.system-action`. */
export async function systemAuditConsumer(bus: Bus, audit: AuditService) {
  const task = (event: 'task.started' | 'task.completed') => async (t: TaskSnapshotT, ctx: MessageContext) => {
    const action = systemTaskAction(event, ctx.requestId);
    if (action) await audit.recordSystem(auditIdOf(ctx.id, ctx.name), { tenantId: t.tenantId, action, resource: { type: 'task', id: t.taskId } }, ctx.requestId);
  };
  await bus.subscribe(SYSTEM_AUDIT_QUEUE, [
    on(TaskStarted, task('task.started')),
    on(TaskCompleted, task('task.completed')),
    on(SystemActionRecorded, (e, ctx) => audit.recordSystem(auditIdOf(ctx.id, ctx.name), e, ctx.requestId)),
  ]);
}
