/**
 * What the task service asks other services (implemented over RPC in messaging/): the domain
 * knows nothing of AMQP. Every call may throw a timeout (→ 503 DEPENDENCY_UNAVAILABLE).
 */
export interface Dependencies {
  recording(tenantId: string, recordingId: string): Promise<{ found: boolean; status?: string; durationMs?: number }>;
  roster(tenantId: string, rosterId: string): Promise<{ found: boolean; status?: string; valid?: number; columns?: string[] }>;
  template(tenantId: string, templateId: string): Promise<{ found: boolean; status?: string; variables?: string[] }>;
  smsAccountActive(tenantId: string): Promise<boolean>;
  reserve(tenantId: string, taskId: string, refs: { recordingId: string; rosterId: string; templateIds: string[] }): Promise<void>;
  reserveTemplates(tenantId: string, taskId: string, templateIds: string[]): Promise<void>;
  /** The task holds exactly these templates afterwards: they are reserved, its others released. */
  settleTemplates(tenantId: string, taskId: string, templateIds: string[]): Promise<void>;
  /** Idempotent: releases whatever the task holds with recording, roster and sms. */
  releaseAll(tenantId: string, taskId: string): Promise<void>;
  hold(tenantId: string, taskId: string): Promise<void>;
  release(tenantId: string, taskId: string): Promise<void>;
  /** Returns how many numbers the dialer turned into `cancelled`. */
  cancel(tenantId: string, taskId: string, total: number): Promise<number>;
}
