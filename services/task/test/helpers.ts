import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import type { TObject } from '@autocall/config';
import type { RunOptions } from '@autocall/service';
import { asTenant, startTestService, type TestService } from '@autocall/testing';
import { dialerService } from '../../dialer/src/service';
import { recordingService } from '../../recording/src/service';
import { rosterService } from '../../roster/src/service';
import { smsService } from '../../sms/src/service';
import { taskService } from '../src/service';

/**
 * The task service's neighbours, real and in-process on this worker's database and vhost (testEnv):
 * recording, roster, sms and dialer answer its RPCs and consume its events as in production. The
 * dialer uses the simulated carrier at SIM_TIME_SCALE=0 (calls end at once).
 */
const start = <S extends TObject>(svc: RunOptions<S>, env: Record<string, string> = {}) => startTestService({ ...svc, env });

export const startRecording = () => start(recordingService);
export const startRoster = () => start(rosterService, { ROSTER_IMPORT_POLL_MS: '200' });
export const startSms = () => start(smsService, { SMS_SENDER_INTERVAL_MS: '100', SMS_SIM_SEND_MS: '5', SMS_CONSUMER_RETRY_BASE_MS: '100' });
export const startDialer = () => start(dialerService, { DIALER_ID: 'task-test-dialer', SIM_TIME_SCALE: '0', DIALER_TICK_MS: '20', DIALER_SWEEP_MS: '500' });
export const startTask = (env: Record<string, string>) => start(taskService, env);

/** Any of them, for the helpers below (they only inject HTTP). */
export type Svc = Pick<TestService<unknown>, 'app' | 'close'>;

const RECORDING = readFileSync(join(__dirname, '..', '..', 'recording', 'test', 'fixtures', 'mono-8k.mp3'));

/** A multipart/form-data body for app.inject. */
export function form(parts: { name: string; value: string | Buffer; filename?: string; contentType?: string }[]) {
  const boundary = `----autocall-task-test-${Math.random().toString(16).slice(2)}`;
  const chunks: Buffer[] = [];
  for (const p of parts) {
    const disp = `Content-Disposition: form-data; name="${p.name}"${p.filename ? `; filename="${p.filename}"` : ''}\r\n`;
    const type = p.contentType ? `Content-Type: ${p.contentType}\r\n` : '';
    chunks.push(Buffer.from(`--${boundary}\r\n${disp}${type}\r\n`), Buffer.isBuffer(p.value) ? p.value : Buffer.from(p.value), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

/** Uploads the 8 kHz mono MP3 fixture as the tenant: 201 ready. */
export async function uploadRecording(recording: Svc, tenant: string): Promise<{ id: string; durationMs: number }> {
  const body = form([{ name: 'file', value: RECORDING, filename: 'promo.mp3', contentType: 'audio/mpeg' }]);
  const res = await recording.app.inject({ method: 'POST', url: '/v1/recordings', headers: { ...asTenant(tenant), ...body.headers }, payload: body.payload });
  if (res.statusCode !== 201) throw new Error(`recording upload: ${res.statusCode} ${res.body}`);
  return res.json();
}

/** The roster number i in E.164; its last digit picks the simulated carrier's outcome (0–4 answered, 5/8 no answer, 6 busy, 7 unavailable, 9 failed). */
export const phone = (i: number) => `+62812345${String(6000 + i).padStart(5, '0')}`;

export type Cell = string | number | null;

/** An .xlsx written by exceljs: one `Roster` sheet, rows as given (row 1 is the header). */
export async function xlsx(rows: Cell[][]): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('Roster');
  rows.forEach((row, i) => {
    const r = ws.getRow(i + 1);
    row.forEach((v, c) => {
      if (v !== null) r.getCell(c + 1).value = v;
    });
    r.commit();
  });
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/** Header and `count` valid numbers written as a person would (national form), with a Name and an Order Id. */
export const rosterRows = (count: number): Cell[][] => [
  ['Phone Number', 'Name', 'Order Id'],
  ...Array.from({ length: count }, (_, i): Cell[] => [`0${phone(i).slice(3)}`, `Person ${i}`, `ORD-${i}`]),
];

/** POST /v1/rosters (multipart), waiting for the import unless `wait` is false; answers the roster view. */
export async function uploadRoster(roster: Svc, tenant: string, rows: Cell[][], wait = true): Promise<{ id: string; status: string; counts?: { valid: number } }> {
  const body = form([
    { name: 'name', value: 'Customers' },
    { name: 'file', value: await xlsx(rows), filename: 'customers.xlsx', contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' },
  ]);
  const res = await roster.app.inject({ method: 'POST', url: `/v1/rosters${wait ? '?wait=true' : ''}`, headers: { ...asTenant(tenant), ...body.headers }, payload: body.payload });
  if (res.statusCode !== 201 && res.statusCode !== 202 && res.statusCode !== 200) throw new Error(`roster upload: ${res.statusCode} ${res.body}`);
  return res.json();
}

/** Today's ISO weekday in WIB (1 = Monday … 7 = Sunday). */
export function wibIsoDay(now = Date.now()): number {
  const d = new Date(now + 7 * 3600_000).getUTCDay();
  return d === 0 ? 7 : d;
}

/**
 * Calling days that exclude today and tomorrow (WIB), so a running task is not dialled during the
 * test even if it crosses midnight: the dialer holds it like any task outside its window.
 */
export function closedDays(): number[] {
  const today = wibIsoDay();
  return [2, 3, 4, 5, 6].map((k) => ((today - 1 + k) % 7) + 1).sort((a, b) => a - b);
}
