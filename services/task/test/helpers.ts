import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TObject } from '@autocall/config';
import type { RunOptions } from '@autocall/service';
import { createRecording, createRoster, startTestService, workbook, type TestService } from '@autocall/testing';
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

/** Uploads the 8 kHz mono MP3 fixture as the tenant: 201 ready. */
export const uploadRecording = (recording: Svc, tenant: string) => createRecording(recording, tenant, RECORDING);

/** The roster number i in E.164; its last digit picks the simulated carrier's outcome (0–4 answered, 5/8 no answer, 6 busy, 7 unavailable, 9 failed). */
export const phone = (i: number) => `+62812345${String(6000 + i).padStart(5, '0')}`;

export type Cell = string | number | null;

/** An .xlsx written by exceljs: one `Roster` sheet, rows as given (row 1 is the header). */
export const xlsx = (rows: Cell[][]): Promise<Buffer> => workbook([{ name: 'Roster', rows }]);

/** Header and `count` valid numbers written as a person would (national form), with a Name and an Order Id. */
export const rosterRows = (count: number): Cell[][] => [
  ['Phone Number', 'Name', 'Order Id'],
  ...Array.from({ length: count }, (_, i): Cell[] => [`0${phone(i).slice(3)}`, `Person ${i}`, `ORD-${i}`]),
];

/** POST /v1/rosters (multipart), waiting for the import unless `wait` is false; answers the roster view. */
export const uploadRoster = async (roster: Svc, tenant: string, rows: Cell[][], wait = true) => createRoster(roster, tenant, await xlsx(rows), { wait });

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
