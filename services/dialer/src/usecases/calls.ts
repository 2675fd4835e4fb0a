import type { Bus } from '@autocall/bus';
import { TaskGet } from '@autocall/contracts';
import type { AttemptRepository, CallRow } from '../data/attempt.repository';
import type { TaskRepository } from '../data/task.repository';
import { dialerErrors } from '../domain/errors';
import type { ReportRow } from '../domain/report';

const REPORT_PAGE = 2000;

const iso = (d: Date | null) => (d ? d.toISOString() : null);

function toCall(c: CallRow) {
  return {
    id: c.id,
    phone: c.phone,
    attempt: c.attempt,
    status: c.status,
    outcome: c.outcome,
    hangupBy: c.hangup_by,
    sipCode: c.sip_code,
    failureReason: c.failure_reason,
    answeredBy: c.answered_by,
    dtmf: c.dtmf,
    tags: c.tags,
    startedAt: iso(c.started_at),
    answeredAt: iso(c.answered_at),
    endedAt: iso(c.ended_at),
    durationMs: c.duration_ms,
    sms: c.sms_kind ? { kind: c.sms_kind, status: c.sms_status ?? 'queued' } : null,
  };
}

/** A task's calls and report, for its tenant only. */
export class TaskCalls {
  constructor(
    private readonly tasks: TaskRepository,
    private readonly attempts: AttemptRepository,
    private readonly bus: Bus,
  ) {}

  /**
   * The task, if it is this tenant's and not deleted; TASK_NOT_FOUND otherwise (never a hint that it
   * exists). A task this dialer has not heard of yet (created a moment ago, its task.created still on
   * the way) is asked of the task service: if it is the tenant's, it simply has no calls yet.
   */
  async ownTask(tenantId: string, taskId: string): Promise<void> {
    const t = await this.tasks.tenantOf(taskId);
    if (t) {
      if (t.deleted || t.tenantId !== tenantId) throw dialerErrors.TASK_NOT_FOUND();
      return;
    }
    const owner = await this.bus.request(TaskGet, { tenantId, taskId }, { timeoutMs: 2000 });
    if (!owner.found) throw dialerErrors.TASK_NOT_FOUND();
  }

  /** Up to `limit` calls after the call `afterId` (creation order), as the API shows them. */
  async list(taskId: string, limit: number, afterId: string | undefined, outcome: string | undefined) {
    return (await this.attempts.listCalls(taskId, limit, afterId, outcome)).map(toCall);
  }

  /** The report's rows, a page of numbers at a time. */
  async *reportPages(taskId: string): AsyncGenerator<ReportRow[]> {
    let after = 0;
    for (;;) {
      const rows = await this.attempts.reportPage(taskId, after, REPORT_PAGE);
      if (rows.length === 0) return;
      yield rows;
      after = rows[rows.length - 1].rowNumber;
    }
  }
}
