import { PassThrough } from 'node:stream';
import ExcelJS from 'exceljs';
import type { Bus } from '@autocall/bus';
import { commonErrors, dialerRoutes as r, decodeCursor, encodeCursor, isUuid, TaskGet } from '@autocall/contracts';
import { route, tenantOf, type App } from '@autocall/http';
import type { AttemptRepository, CallRow } from '../data/attempt.repository';
import type { TaskRepository } from '../data/task.repository';
import { dialerErrors } from '../domain/errors';
import { csvLine, REPORT_COLUMNS, reportCells } from '../domain/report';

const LIST = 'task-calls';
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
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
    startedAt: iso(c.started_at),
    answeredAt: iso(c.answered_at),
    endedAt: iso(c.ended_at),
    durationMs: c.duration_ms,
    sms: c.sms_kind ? { kind: c.sms_kind, status: c.sms_status ?? 'queued' } : null,
  };
}

export function callsRoutes(app: App, tasks: TaskRepository, attempts: AttemptRepository, bus: Bus) {
  /**
   * The task, if it is this tenant's and not deleted; 404 otherwise (never a hint that it exists).
   * A task this dialer has not heard of yet (created a moment ago, its task.created still on the
   * way) is asked of the task service: if it is the tenant's, it simply has no calls yet.
   */
  async function ownTask(tenantId: string, taskId: string) {
    const t = await tasks.tenantOf(taskId);
    if (t) {
      if (t.deleted || t.tenantId !== tenantId) throw dialerErrors.TASK_NOT_FOUND();
      return;
    }
    const owner = await bus.request(TaskGet, { tenantId, taskId }, { timeoutMs: 2000 });
    if (!owner.found) throw dialerErrors.TASK_NOT_FOUND();
  }

  route(app, r.listCalls, async (req) => {
    const tenantId = tenantOf(req);
    const after = decodeCursor(LIST, req.query.cursor, 2);
    if (after && (after[0] !== req.params.id || typeof after[1] !== 'string' || !isUuid(after[1]))) throw commonErrors.INVALID_CURSOR();
    await ownTask(tenantId, req.params.id);
    const rows = await attempts.listCalls(req.params.id, req.query.limit + 1, after?.[1] as string | undefined, req.query.outcome);
    const more = rows.length > req.query.limit;
    const page = rows.slice(0, req.query.limit);
    return { items: page.map(toCall), nextCursor: more ? encodeCursor(LIST, [req.params.id, page[page.length - 1].id]) : null };
  });

  route(app, r.report, async (req, reply) => {
    await ownTask(tenantOf(req), req.params.id);
    const taskId = req.params.id;
    const format = req.query.format;
    async function* pages() {
      let after = 0;
      for (;;) {
        const rows = await attempts.reportPage(taskId, after, REPORT_PAGE);
        if (rows.length === 0) return;
        yield rows;
        after = rows[rows.length - 1].rowNumber;
      }
    }
    const out = new PassThrough();
    reply.header('content-disposition', `attachment; filename="task-${taskId}-report.${format}"`);
    if (format === 'csv') {
      reply.type('text/csv; charset=utf-8');
      void (async () => {
        try {
          out.write('\ufeff' + csvLine(REPORT_COLUMNS.map((c) => c.header)));
          for await (const rows of pages()) out.write(rows.map((row) => csvLine(reportCells(row))).join(''));
          out.end();
        } catch (err) {
          out.destroy(err as Error);
        }
      })();
      return reply.send(out);
    }
    reply.type(XLSX);
    void (async () => {
      try {
        const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false });
        const ws = wb.addWorksheet('Report');
        ws.columns = REPORT_COLUMNS.map((c) => ({ header: c.header, key: c.key, width: c.width }));
        ws.getRow(1).font = { bold: true };
        ws.getRow(1).commit();
        for await (const rows of pages()) for (const row of rows) ws.addRow(reportCells(row)).commit();
        ws.commit();
        await wb.commit();
      } catch (err) {
        out.destroy(err as Error);
      }
    })();
    return reply.send(out);
  });
}
