import { PassThrough } from 'node:stream';
import ExcelJS from 'exceljs';
import { commonErrors, dialerRoutes as r, decodeCursor, encodeCursor, isUuid } from '@autocall/contracts';
import { route, tenantOf, type App } from '@autocall/http';
import { csvLine, REPORT_COLUMNS, reportCells } from '../domain/report';
import type { TaskCalls } from '../usecases/calls';

const LIST = 'task-calls';
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

export function callsRoutes(app: App, calls: TaskCalls) {
  route(app, r.listCalls, async (req) => {
    const tenantId = tenantOf(req);
    const after = decodeCursor(LIST, req.query.cursor, 2);
    if (after && (after[0] !== req.params.id || typeof after[1] !== 'string' || !isUuid(after[1]))) throw commonErrors.INVALID_CURSOR();
    await calls.ownTask(tenantId, req.params.id);
    const rows = await calls.list(req.params.id, req.query.limit + 1, after?.[1] as string | undefined, req.query.outcome);
    const more = rows.length > req.query.limit;
    const page = rows.slice(0, req.query.limit);
    return { items: page, nextCursor: more ? encodeCursor(LIST, [req.params.id, page[page.length - 1].id]) : null };
  });

  route(app, r.report, async (req, reply) => {
    await calls.ownTask(tenantOf(req), req.params.id);
    const taskId = req.params.id;
    const format = req.query.format;
    const pages = () => calls.reportPages(taskId);
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
