/**
 * Test kit for the dialer's component tests: the roster service and the task service are stood in
 * for on the real bus (a roster.entries.page responder, task.* events in the contract's shape), and
 * events the dialer emits are collected from a private queue bound to the exchange, filtered by
 * this file's task ids. Each jest worker has its own database and vhost (libs/testing testEnv), shared
 * by the files it runs one after another: tests only look at their own tasks.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import * as amqp from 'amqplib';
import { EVENTS_EXCHANGE, type Bus } from '@autocall/bus';
import {
  AppError,
  RosterEntriesPage,
  TaskCreated,
  TaskStarted,
  type CallCompletedT,
  type DialerNumberSettledT,
  type EventPayload,
  type DialerTaskDrained,
  type TaskSnapshotT,
} from '@autocall/contracts';
import { connectTestBus, eventually, sql, startTestService, TEST_INTERNAL_TOKEN, testAmqpUrl, testDatabaseUrl, type TestService } from '@autocall/testing';
import { buildApp, DIALER_SCHEMA, dialerMigrations } from '../src/app';
import { dialerConfigSchema, type DialerConfig } from '../src/config';

export type Dialer = TestService<DialerConfig>;

/** The environment a dialer process of these tests sees: this jest worker's database and vhost (libs/testing). */
export const isolatedEnv = () => ({ DATABASE_URL: testDatabaseUrl(), AMQP_URL: testAmqpUrl() });

export function connectBus(service = 'dialer-test'): Promise<Bus> {
  return connectTestBus(service);
}
export type Drained = EventPayload<typeof DialerTaskDrained>;

export interface Entry {
  rowNumber: number;
  phone: string;
  name: string | null;
  variables: Record<string, string>;
}

/** `count` numbers; number i ends in digit i % 10 (the simulated carrier's table). Rows start at 2 (row 1 is the header). */
export function rosterOf(count: number): Entry[] {
  return Array.from({ length: count }, (_, i) => ({
    rowNumber: i + 2,
    phone: `+62812${String(i).padStart(7, '0')}`,
    name: `Callee ${i}`,
    variables: { Name: `Callee ${i}`, 'Order Id': `=SUM(A${i})` },
  }));
}

/** Stands in for the roster service: answers roster.entries.page for the rosters a test registers. */
export class RosterStub {
  readonly rosters = new Map<string, Entry[]>();
  /** Rosters whose owner refuses every page after the first (as if deleted mid-load). */
  readonly refusedAfterFirstPage = new Set<string>();
  pages = 0;
  /** Page requests, refused ones included. */
  asked = 0;

  private constructor(readonly bus: Bus) {}

  static async start(): Promise<RosterStub> {
    const stub = new RosterStub(await connectBus('dialer-test-roster'));
    await stub.bus.respond(RosterEntriesPage, async (q) => {
      stub.asked++;
      const entries = stub.rosters.get(q.rosterId);
      if (!entries) throw new AppError('ROSTER_NOT_FOUND', 404, 'not a roster of this test');
      if (q.afterRowNumber > 0 && stub.refusedAfterFirstPage.has(q.rosterId)) throw new AppError('ROSTER_NOT_FOUND', 422, 'The roster does not exist.');
      stub.pages++;
      const rest = entries.filter((e) => e.rowNumber > q.afterRowNumber);
      const page = rest.slice(0, q.limit);
      return { entries: page, nextAfterRowNumber: rest.length > page.length ? page[page.length - 1].rowNumber : null };
    });
    return stub;
  }

  add(entries: Entry[]): string {
    const id = randomUUID();
    this.rosters.set(id, entries);
    return id;
  }

  close(): Promise<void> {
    return this.bus.close();
  }
}

export function snapshot(over: Partial<Omit<TaskSnapshotT, 'dialing'>> & { tenantId: string; rosterId: string; total: number; dialing?: Partial<TaskSnapshotT['dialing']> }): TaskSnapshotT {
  const { dialing, ...rest } = over;
  return {
    taskId: randomUUID(),
    name: 'Dialer test',
    status: 'running',
    recordingId: randomUUID(),
    recordingDurationMs: 20_000,
    sms: { onDisconnect: { enabled: true, templateId: randomUUID(), when: 'anyAnswered' }, onUnanswered: { enabled: true, templateId: randomUUID() } },
    dialing: {
      maxConcurrentCalls: 100,
      callsPerSecond: 1000,
      ringTimeoutSeconds: 30,
      maxAttempts: 1,
      retryDelayMinutes: 0,
      callerId: null,
      callingWindow: { start: '00:00', end: '24:00', days: [1, 2, 3, 4, 5, 6, 7] },
      ...dialing,
    },
    timezone: 'Asia/Jakarta',
    startAt: null,
    ...rest,
  };
}

/** What the task service does when a task starts: task.created, then task.started. */
export async function startTask(bus: Bus, s: TaskSnapshotT): Promise<void> {
  await bus.publish(TaskCreated, { ...s, status: 'scheduled' });
  await bus.publish(TaskStarted, { ...s, status: 'running' });
}

/** Collects call.completed, dialer.number.settled and dialer.task.drained of the tasks it is told about. */
export class EventLog {
  readonly calls: CallCompletedT[] = [];
  readonly settled: DialerNumberSettledT[] = [];
  readonly drained: Drained[] = [];
  private readonly tasks = new Set<string>();

  private constructor(private readonly conn: amqp.ChannelModel) {}

  static async start(): Promise<EventLog> {
    const conn = await amqp.connect(testAmqpUrl());
    const log = new EventLog(conn);
    const ch = await conn.createChannel();
    const { queue } = await ch.assertQueue('', { exclusive: true, autoDelete: true });
    for (const key of ['call.completed', 'dialer.task.drained', 'dialer.number.settled']) await ch.bindQueue(queue, EVENTS_EXCHANGE, key);
    await ch.consume(
      queue,
      (msg) => {
        if (!msg) return;
        const env = JSON.parse(msg.content.toString()) as { name: string; payload: { taskId: string } };
        if (!log.tasks.has(env.payload.taskId)) return;
        if (env.name === 'call.completed') log.calls.push(env.payload as CallCompletedT);
        else if (env.name === 'dialer.number.settled') log.settled.push(env.payload as DialerNumberSettledT);
        else log.drained.push(env.payload as Drained);
      },
      { noAck: true },
    );
    return log;
  }

  watch(taskId: string): void {
    this.tasks.add(taskId);
  }

  callsOf(taskId: string): CallCompletedT[] {
    return this.calls.filter((c) => c.taskId === taskId);
  }

  async drainedOf(taskId: string, timeoutMs = 20_000): Promise<Drained> {
    return eventually(() => this.drained.find((d) => d.taskId === taskId), timeoutMs);
  }

  close(): Promise<void> {
    return this.conn.close();
  }
}

/** An in-process dialer on this worker's database and vhost; `clock`: the dialing policy's (calling window, blackouts). */
export function startDialer(env: Record<string, string> = {}, clock?: () => Date): Promise<Dialer> {
  return startTestService({
    name: 'dialer',
    schema: DIALER_SCHEMA,
    migrations: dialerMigrations,
    configSchema: dialerConfigSchema,
    buildApp: (deps) => buildApp({ ...deps, clock }),
    env: { SIM_TIME_SCALE: '0', DIALER_TICK_MS: '20', DIALER_SWEEP_MS: '500', ...env },
  });
}

const inDialer = (q: string) => q.replace(/\b(call_attempts|sim_calls|tasks|dnc_entries|blackouts|calendars|outbox)\b/g, 'dialer.$1');

/** Runs SQL against the dialer's schema in this worker's database. */
export function dialerSql<T = any>(query: string, params: unknown[] = []): Promise<T[]> {
  return sql<T>(inDialer(query), params);
}

/** How many times the simulated carrier was asked to call each number of the task. */
export async function callsPerNumber(taskId: string): Promise<Map<string, number>> {
  const rows = await dialerSql<{ phone: string; n: number }>(
    `SELECT s.phone, count(*)::int AS n FROM sim_calls s JOIN call_attempts a ON a.id = s.attempt_id WHERE a.task_id = $1 GROUP BY s.phone`,
    [taskId],
  );
  return new Map(rows.map((r) => [r.phone, r.n]));
}

export { OUTCOME_BY_DIGIT } from './outcome-table';

/** What a test file's dialer tests share: the roster stand-in, the event log, a bus client and (unless `env` is null) one dialer. */
export interface DialerWorld {
  roster: RosterStub;
  events: EventLog;
  bus: Bus;
  dialer: Dialer;
}

/** Starts a DialerWorld before the file's tests (the dialer with `env`; none with null) and closes it after them. */
export function dialerWorld(env: Record<string, string> | null = {}): DialerWorld {
  const w = {} as DialerWorld;
  beforeAll(async () => {
    w.roster = await RosterStub.start();
    w.events = await EventLog.start();
    w.bus = await connectBus();
    if (env) w.dialer = await startDialer(env);
  });
  afterAll(async () => {
    await w.dialer?.close();
    await w.roster?.close();
    await w.events?.close();
    await w.bus?.close();
  });
  return w;
}

/** A dialer process run from dist (build first), as in production, on this worker's database and vhost. */
export function spawnDialer(id: string, env: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, [join(__dirname, '..', 'dist', 'main.js')], {
    cwd: join(__dirname, '..', '..', '..'),
    env: { PATH: process.env.PATH, ...isolatedEnv(), INTERNAL_TOKEN: TEST_INTERNAL_TOKEN, LOG_LEVEL: 'warn', HOST: '127.0.0.1', DIALER_PORT: '0', DIALER_ID: id, ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

/** Resolves once `n` dialers consume task events and answer hold, release and cancel (each queue counts its consumers). */
export async function dialersReady(n: number, timeoutMs = 30_000): Promise<void> {
  const conn = await amqp.connect(testAmqpUrl());
  conn.on('error', () => undefined);
  try {
    await eventually(
      async () => {
        const ch = await conn.createChannel();
        ch.on('error', () => undefined); // a queue not declared yet closes the channel: looked at again
        try {
          const queues = ['dialer.task-events', 'rpc.dialer.task.hold.v1', 'rpc.dialer.task.release.v1', 'rpc.dialer.task.cancel.v1'];
          return (await Promise.all(queues.map(async (q) => (await ch.checkQueue(q)).consumerCount))).every((c) => c >= n);
        } catch {
          return false;
        } finally {
          await ch.close().catch(() => undefined);
        }
      },
      timeoutMs,
      200,
    );
  } finally {
    await conn.close();
  }
}
