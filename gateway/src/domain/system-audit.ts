import { hash } from 'node:crypto';

/**
 * The audit action of a task event the platform caused by itself, or undefined: a start that no
 * request caused (the scheduler's, which carries no request id) and every completion.
 */
export function systemTaskAction(event: 'task.started' | 'task.completed', requestId: string | undefined): string | undefined {
  if (event === 'task.completed') return 'task.complete';
  return requestId === undefined ? 'task.start' : undefined;
}

/** The audit record's id for a message: the same for a redelivery, so the record is written once. */
export function auditIdOf(messageId: string, name: string): string {
  const h = hash('sha256', `${name}:${messageId}`, 'hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${((parseInt(h[16], 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
