/**
 * Test data made the way a client makes it: through the services' own HTTP APIs (app.inject, as
 * the gateway would call them), never by writing rows behind their backs. Each factory throws
 * when the service does not answer as a successful create would, so a test fails at its setup.
 */
import ExcelJS from 'exceljs';
import type { Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { TaskDialingInput, type Recording, type Roster, type SmsTemplate, type Task, type TaskDialingSettings } from '@autocall/contracts';
import type { App } from '@autocall/http';
import { randomUUID } from 'node:crypto';
import type { CreatedTenant } from '@autocall/contracts';
import { asTenant, TEST_ADMIN_TOKEN } from './index';

/** A service under test (a TestService, or anything with its fastify app). */
export interface Target {
  app: Pick<App, 'inject'>;
}

type InjectResponse = Awaited<ReturnType<App['inject']>>;

function expectStatus(what: string, res: InjectResponse, ...statuses: number[]): void {
  if (!statuses.includes(res.statusCode)) throw new Error(`${what}: ${res.statusCode} ${res.body}`);
}

/**
 * Asserts a problem+json answer with this status and code: an app.inject response, or any
 * `{status, headers, body}` (the gateway tests' real HTTP client).
 */
export function expectProblem(res: InjectResponse | { status: number; headers: Record<string, unknown>; body: any }, status: number, code: string): void {
  const got = 'statusCode' in res ? { status: res.statusCode, body: res.body ? res.json() : undefined } : res;
  expect([got.status, got.body?.code]).toEqual([status, code]);
  expect(String(res.headers['content-type'])).toContain('application/problem+json');
}

export interface Part {
  name: string;
  /** Sent when given, even empty. */
  filename?: string;
  /** The part's Content-Type header, when given. */
  contentType?: string;
  data: Buffer | string;
}

/** A multipart/form-data body built by hand, for app.inject: tests control every byte (names, order, types). */
export function multipart(parts: Part[], boundary = `----autocall${Math.random().toString(16).slice(2)}`): { payload: Buffer; headers: Record<string, string> } {
  const chunks: Buffer[] = [];
  for (const p of parts) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"`;
    if (p.filename !== undefined) head += `; filename="${p.filename}"`;
    head += '\r\n';
    if (p.contentType) head += `Content-Type: ${p.contentType}\r\n`;
    chunks.push(Buffer.from(`${head}\r\n`), Buffer.isBuffer(p.data) ? p.data : Buffer.from(p.data), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

export type Cell = string | number | null | { formula: string; result?: string | number } | { richText: { text: string }[] };

/** An .xlsx built with the exceljs writer: sheets in tab order, rows as given (row 1 first). */
export async function workbook(sheets: { name: string; rows: Cell[][] }[]): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  for (const s of sheets) {
    const ws = wb.addWorksheet(s.name);
    s.rows.forEach((row, i) => {
      const r = ws.getRow(i + 1);
      row.forEach((v, c) => {
        if (v !== null) r.getCell(c + 1).value = v as ExcelJS.CellValue;
      });
      r.commit();
    });
  }
  return Buffer.from(await wb.xlsx.writeBuffer());
}

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** A JSON POST over real HTTP (the gateway tests' own client, whose sockets they close). */
export type JsonPost = (path: string, json: unknown, headers: Record<string, string>) => Promise<{ status: number; body: any; text: string }>;

/** POST /v1/admin/tenants on the gateway as the platform admin: 201, the tenant with its first API key. */
export async function createTenant(post: JsonPost, name = `t-${randomUUID().slice(0, 8)}`): Promise<CreatedTenant> {
  const res = await post('/v1/admin/tenants', { name }, { authorization: `Bearer ${TEST_ADMIN_TOKEN}` });
  if (res.status !== 201) throw new Error(`tenant: ${res.status} ${res.text}`);
  return res.body;
}

/** POST /v1/recordings with an MP3: 201, the recording. */
export async function createRecording(svc: Target, tenantId: string, mp3: Buffer, opts: { fileName?: string; name?: string } = {}): Promise<Recording> {
  const parts: Part[] = [{ name: 'file', data: mp3, filename: opts.fileName ?? 'promo.mp3', contentType: 'audio/mpeg' }];
  if (opts.name !== undefined) parts.push({ name: 'name', data: opts.name });
  const body = multipart(parts);
  const res = await svc.app.inject({ method: 'POST', url: '/v1/recordings', headers: { ...asTenant(tenantId), ...body.headers }, payload: body.payload });
  expectStatus('recording upload', res, 201);
  return res.json();
}

/** POST /v1/rosters with an .xlsx, waiting for the import unless `wait` is false: the roster. */
export async function createRoster(svc: Target, tenantId: string, xlsx: Buffer, opts: { name?: string; fileName?: string; wait?: boolean } = {}): Promise<Roster> {
  const body = multipart([
    { name: 'name', data: opts.name ?? 'Customers' },
    { name: 'file', data: xlsx, filename: opts.fileName ?? 'customers.xlsx', contentType: XLSX },
  ]);
  const wait = opts.wait ?? true;
  const res = await svc.app.inject({ method: 'POST', url: `/v1/rosters${wait ? '?wait=true' : ''}`, headers: { ...asTenant(tenantId), ...body.headers }, payload: body.payload });
  expectStatus('roster upload', res, 200, 201, 202);
  return res.json();
}

/** POST /v1/sms-templates: 201, the template (pending until an admin approves it, unless the service approves by itself). */
export async function createTemplate(svc: Target, tenantId: string, body: { name?: string; content: string }): Promise<SmsTemplate> {
  const res = await svc.app.inject({ method: 'POST', url: '/v1/sms-templates', headers: asTenant(tenantId), payload: { name: body.name ?? 'Follow-up', content: body.content } });
  expectStatus('template', res, 201);
  return res.json();
}

/** PUT /v1/sms-account: an active simulated account unless the body says otherwise; 200. */
export async function putSmsAccount(svc: Target, tenantId: string, body: Record<string, unknown> = {}): Promise<InjectResponse> {
  const res = await svc.app.inject({ method: 'PUT', url: '/v1/sms-account', headers: asTenant(tenantId), payload: { provider: 'simulated', senderId: 'AUTOCALL', status: 'active', ...body } });
  expectStatus('account', res, 200);
  return res;
}

/** POST /v1/tasks: 201, the task. `body` is the create body (recordingId, rosterId, start, …). */
export async function createTask(svc: Target, tenantId: string, body: Record<string, unknown>): Promise<Task> {
  const res = await svc.app.inject({ method: 'POST', url: '/v1/tasks', headers: asTenant(tenantId), payload: { name: 'January 2026 Promotion', start: { mode: 'immediate' }, ...body } });
  expectStatus('task', res, 201);
  return res.json();
}

/** A task's dialing settings when its create body gives none: the contract's defaults. */
export function defaultDialing(): Static<typeof TaskDialingSettings> {
  return { callerId: null, ...(Value.Default(TaskDialingInput, { callingWindow: {} }) as Omit<Static<typeof TaskDialingSettings>, 'callerId'>) };
}
