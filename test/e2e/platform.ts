/**
 * The whole platform in-process for the end-to-end tests: every real service (task, roster,
 * recording, sms, dialer, events) built with `startTestService` on this worker's database and RabbitMQ
 * vhost, each listening on an ephemeral port, and the gateway in front of them over real HTTP.
 * Nothing of ours is faked: the tests only speak to the gateway.
 */
import { randomUUID } from 'node:crypto';
import ExcelJS from 'exceljs';
import type { Logger } from '@autocall/logger';
import { sql, startTestService, type TestService } from '@autocall/testing';
import { admin, bearer, urlOf, type Res } from '../../gateway/test/helpers';
import { buildApp as buildGateway, GATEWAY_SCHEMA, gatewayMigrations } from '../../gateway/src/app';
import { gatewayConfigSchema } from '../../gateway/src/config';
import { buildApp as buildTask, TASK_SCHEMA, taskMigrations } from '../../services/task/src/app';
import { taskConfigSchema } from '../../services/task/src/config';
import { buildApp as buildRoster, ROSTER_SCHEMA, rosterMigrations } from '../../services/roster/src/app';
import { rosterConfigSchema } from '../../services/roster/src/config';
import { buildApp as buildRecording, RECORDING_SCHEMA, recordingMigrations } from '../../services/recording/src/app';
import { recordingConfigSchema } from '../../services/recording/src/config';
import { buildApp as buildSms, SMS_SCHEMA, smsMigrations } from '../../services/sms/src/app';
import { smsConfigSchema } from '../../services/sms/src/config';
import { buildApp as buildDialer, DIALER_SCHEMA, dialerMigrations } from '../../services/dialer/src/app';
import { dialerConfigSchema } from '../../services/dialer/src/config';
import { buildApp as buildEvents, EVENTS_SCHEMA, eventsMigrations } from '../../services/events/src/app';
import { eventsConfigSchema } from '../../services/events/src/config';
import { fixture, multipart } from '../../services/recording/test/helpers';

export { bearer, type Res };

/** How long one request of the tests may take: a hung call fails naming itself instead of running into the test's timeout. */
const REQUEST_TIMEOUT_MS = 15_000;

/** A real HTTP call to the gateway; JSON bodies are sent as JSON and parsed when the answer is JSON. */
export async function call(base: string, method: string, path: string, opts: { headers?: Record<string, string>; json?: unknown; body?: Buffer } = {}): Promise<Res> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  let body: Buffer | string | undefined = opts.body;
  if (opts.json !== undefined) {
    headers['content-type'] ??= 'application/json';
    body = JSON.stringify(opts.json);
  }
  let res: Response;
  let text: string;
  try {
    res = await fetch(`${base}${path}`, { method, headers, body, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    text = await res.text();
  } catch (err) {
    throw new Error(`${method} ${path}: ${(err as Error).message}`);
  }
  const contentType = res.headers.get('content-type') ?? '';
  return { status: res.status, headers: Object.fromEntries(res.headers), body: /json/.test(contentType) && text ? JSON.parse(text) : undefined, text };
}

/** A service of the stack, listening on 127.0.0.1 at `url`. */
interface Running {
  name: string;
  url: string;
  close(): Promise<void>;
}

async function listening(name: string, svc: TestService<unknown>): Promise<Running> {
  await svc.app.listen({ port: 0, host: '127.0.0.1' });
  return { name, url: urlOf(svc.app.server), close: () => svc.close() };
}

export interface Platform {
  /** The gateway's base URL: the only address the tests call. */
  url: string;
  services: Record<'task' | 'roster' | 'recording' | 'sms' | 'dialer' | 'events' | 'gateway', Running>;
  close(): Promise<void>;
}

/**
 * Starts task, roster, recording, sms, then the dialer (its RECORDING_URL at the recording
 * service, `dialerEnv` on top: CARRIER, SIM_TIME_SCALE, SIP_*), then the gateway pointed at all of them.
 * `env` goes to every service (e.g. another AMQP_URL); with `smsUrl` the sms service is not started
 * here: the gateway uses the one at that address (a process of the test's own).
 */
export async function startPlatform(opts: { dialerEnv?: Record<string, string>; eventsEnv?: Record<string, string>; env?: Record<string, string>; smsUrl?: string; logger?: (service: string) => Logger } = {}): Promise<Platform> {
  const log = (service: string) => (opts.logger ? { logger: opts.logger(service) } : {});
  const started: Running[] = [];
  const env = opts.env ?? {};
  try {
    const task = await listening('task', await startTestService({ ...log('task'), name: 'task', schema: TASK_SCHEMA, migrations: taskMigrations, configSchema: taskConfigSchema, buildApp: buildTask, env }));
    started.push(task);
    const roster = await listening('roster', await startTestService({ ...log('roster'), name: 'roster', schema: ROSTER_SCHEMA, migrations: rosterMigrations, configSchema: rosterConfigSchema, buildApp: buildRoster, env }));
    started.push(roster);
    const recording = await listening(
      'recording',
      await startTestService({ ...log('recording'), name: 'recording', schema: RECORDING_SCHEMA, migrations: recordingMigrations, configSchema: recordingConfigSchema, buildApp: buildRecording, env }),
    );
    started.push(recording);
    const sms: Running = opts.smsUrl
      ? { name: 'sms', url: opts.smsUrl, close: async () => undefined }
      : await listening('sms', await startTestService({ ...log('sms'), name: 'sms', schema: SMS_SCHEMA, migrations: smsMigrations, configSchema: smsConfigSchema, buildApp: buildSms, env: { SMS_SENDER_INTERVAL_MS: '100', SMS_SIM_DLR_MS: '3600000', ...env } }));
    started.push(sms);
    const dialer = await listening(
      'dialer',
      await startTestService({
        ...log('dialer'),
        name: 'dialer',
        schema: DIALER_SCHEMA,
        migrations: dialerMigrations,
        configSchema: dialerConfigSchema,
        buildApp: buildDialer,
        env: { RECORDING_URL: recording.url, DIALER_TICK_MS: '20', DIALER_SWEEP_MS: '500', DIALER_ID: `e2e-${randomUUID().slice(0, 8)}`, ...env, ...opts.dialerEnv },
      }),
    );
    started.push(dialer);
    // webhook receivers of the tests listen on 127.0.0.1: private addresses allowed, a quick retry schedule
    const events = await listening(
      'events',
      await startTestService({
        ...log('events'),
        name: 'events',
        schema: EVENTS_SCHEMA,
        migrations: eventsMigrations,
        configSchema: eventsConfigSchema,
        buildApp: buildEvents,
        env: { WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_RETRY_SCHEDULE: '100ms,200ms,400ms', WEBHOOK_POLL_MS: '50', ...env, ...opts.eventsEnv },
      }),
    );
    started.push(events);
    const gateway = await listening(
      'gateway',
      await startTestService({
        ...log('gateway'),
        name: 'gateway',
        schema: GATEWAY_SCHEMA,
        migrations: gatewayMigrations,
        configSchema: gatewayConfigSchema,
        buildApp: buildGateway,
        env: { TASK_URL: task.url, ROSTER_URL: roster.url, RECORDING_URL: recording.url, SMS_URL: sms.url, DIALER_URL: dialer.url, EVENTS_URL: events.url, RATE_LIMIT_PER_SECOND: '1000', PASSWORD_SCRYPT_LOG_N: '14', ...env },
      }),
    );
    started.push(gateway);
    return {
      url: gateway.url,
      services: { task, roster, recording, sms, dialer, events, gateway },
      close: () => closeAll(started),
    };
  } catch (err) {
    await closeAll(started);
    throw err;
  }
}

/** The gateway first (no new requests), then the others in reverse order of start. */
async function closeAll(started: Running[]): Promise<void> {
  for (const s of [...started].reverse()) await s.close().catch(() => undefined);
}

/** A fresh tenant made by the admin through the gateway: its id and the headers of its API key. */
export async function newTenant(base: string): Promise<{ id: string; auth: Record<string, string> }> {
  const res = await call(base, 'POST', '/v1/admin/tenants', { headers: admin, json: { name: `E2E ${randomUUID().slice(0, 8)}` } });
  if (res.status !== 201) throw new Error(`tenant: ${res.status} ${res.text}`);
  return { id: res.body.id, auth: bearer(res.body.apiKey) };
}

/** Uploads a recording fixture (services/recording/test/fixtures) as multipart; 201 expected. */
export async function uploadRecording(base: string, auth: Record<string, string>, file = 'mono-8k.mp3'): Promise<Res> {
  const { payload, headers } = multipart([
    { name: 'name', data: 'E2E recording' },
    { name: 'file', filename: file, contentType: 'audio/mpeg', data: fixture(file) },
  ]);
  return call(base, 'POST', '/v1/recordings', { headers: { ...auth, ...headers }, body: payload });
}

export interface RosterRow {
  phone: string;
  name: string;
  orderId: string;
}

/** A roster workbook as a tenant would fill the template: sheet `Roster`, phone column as text, a Name and an `Order Id` column. */
export async function rosterXlsx(rows: RosterRow[]): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('Roster');
  ws.addRow(['Phone Number', 'Name', 'Order Id']);
  ws.getColumn(1).numFmt = '@';
  for (const r of rows) ws.addRow([r.phone, r.name, r.orderId]);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/** Uploads a roster with `?wait=true`: answers once validation ended. */
export async function uploadRoster(base: string, auth: Record<string, string>, rows: RosterRow[], name = 'E2E roster'): Promise<Res> {
  const { payload, headers } = multipart([
    { name: 'name', data: name },
    { name: 'file', filename: 'roster.xlsx', contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', data: await rosterXlsx(rows) },
  ]);
  return call(base, 'POST', '/v1/rosters?wait=true', { headers: { ...auth, ...headers }, body: payload });
}

/** `count` roster rows, numbers `first`, `first+1`, … (no country code, as the template asks). */
export function rosterRows(first: number, count: number): RosterRow[] {
  return Array.from({ length: count }, (_, i) => ({ phone: String(first + i), name: `Callee ${i}`, orderId: `ORD-${1000 + i}` }));
}

/** `87630021323` → `+6287630021323`, the roster service's normalisation (default region ID). */
export const e164 = (local: string) => `+62${local}`;

/** How many times the carrier was asked to call each number of the task (the dialer's `sim_calls` record). */
export async function simCallsPerNumber(taskId: string): Promise<Map<string, number>> {
  const rows = await sql<{ phone: string; n: number }>(
    `SELECT s.phone, count(*)::int AS n FROM ${DIALER_SCHEMA}.sim_calls s JOIN ${DIALER_SCHEMA}.call_attempts a ON a.id = s.attempt_id WHERE a.task_id = $1 GROUP BY s.phone`,
    [taskId],
  );
  return new Map(rows.map((r) => [r.phone, r.n]));
}

/** Every item of a cursor list, page after page. */
export async function allPages(base: string, auth: Record<string, string>, path: string, limit = 200): Promise<any[]> {
  const items: any[] = [];
  let cursor: string | null = null;
  for (;;) {
    const sep = path.includes('?') ? '&' : '?';
    const res: Res = await call(base, 'GET', `${path}${sep}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { headers: auth });
    if (res.status !== 200) throw new Error(`${path}: ${res.status} ${res.text}`);
    items.push(...res.body.items);
    cursor = res.body.nextCursor;
    if (!cursor) return items;
  }
}

/** The dialing settings of every e2e task: any time of day and week, and no waiting on the rate. */
export const OPEN_DIALING = {
  maxConcurrentCalls: 50,
  callsPerSecond: 1000,
  ringTimeoutSeconds: 5,
  maxAttempts: 1,
  retryDelayMinutes: 0,
  callingWindow: { start: '00:00', end: '24:00', days: [1, 2, 3, 4, 5, 6, 7] },
};
