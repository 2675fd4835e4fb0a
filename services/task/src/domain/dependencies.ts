/**
 * What the task service asks other services (implemented over RPC in adapters/rpc-dependencies.ts): the domain
 * knows nothing of AMQP. Every call may throw a timeout (→ 503 DEPENDENCY_UNAVAILABLE).
 */
export interface Dependencies {
  recording(tenantId: string, recordingId: string): Promise<{ found: boolean; status?: string; durationMs?: number }>;
  roster(tenantId: string, rosterId: string): Promise<{ found: boolean; status?: string; valid?: number; columns?: string[] }>;
  template(tenantId: string, templateId: string): Promise<{ found: boolean; status?: string; variables?: string[] }>;
  /** The tenant's SMS account: active, its sender id and opt-out keywords (for reply rules). */
  smsAccount(tenantId: string): Promise<{ active: boolean; senderId?: string | null; optOutKeywords?: string[] }>;
  reserve(tenantId: string, taskId: string, refs: { recordingId: string; rosterId: string; templateIds: string[] }): Promise<void>;
  reserveTemplates(tenantId: string, taskId: string, templateIds: string[]): Promise<void>;
  /** The task holds exactly these templates afterwards: they are reserved, its others released. */
  settleTemplates(tenantId: string, taskId: string, templateIds: string[]): Promise<void>;
  /** Idempotent: releases whatever the task holds with recording, roster and sms. */
  releaseAll(tenantId: string, taskId: string): Promise<void>;
  /** Versioned control (ARCHITECTURE.md): the dialer applies an order only if newer than what it holds, and before its deadline. */
  hold(tenantId: string, taskId: string, order: ControlOrder): Promise<ControlAck>;
  release(tenantId: string, taskId: string, order: ControlOrder): Promise<ControlAck>;
  /** The ack's cancelledCount: how many numbers the dialer turned into `cancelled`. */
  cancel(tenantId: string, taskId: string, total: number, order: ControlOrder): Promise<ControlAck>;
}

export interface ControlOrder {
  generation: number;
  /** Epoch ms after which the dialer's handler does nothing. */
  deadline: number;
  /** How long to wait for the answer (past the deadline by a grace, so an answer sent in time is heard). */
  waitMs: number;
}

/** What the dialer holds for the task after an order, applied or not. */
export interface ControlAck {
  applied: boolean;
  reason?: 'stale' | 'expired';
  generation: number;
  cancelled: boolean;
  cancelledCount: number | null;
}
