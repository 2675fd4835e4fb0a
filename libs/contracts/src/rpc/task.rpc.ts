import { Type } from '@sinclair/typebox';
import { defineRpc, Uuid } from '../core';
import { TaskSnapshot } from '../events/task.events';

/**
 * For the dialer (re-sync after a restart or a missed event): the task's current snapshot, the
 * same shape every task.* event carries. `found: false` for an unknown or another tenant's task.
 */
export const TaskGet = defineRpc(
  'task.get',
  1,
  Type.Object({ tenantId: Uuid, taskId: Uuid }),
  Type.Object({ found: Type.Boolean(), task: Type.Optional(TaskSnapshot) }),
);
