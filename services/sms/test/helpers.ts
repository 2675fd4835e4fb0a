import type { Static } from '@sinclair/typebox';
import type { PutSmsAccount, SmsMessage } from '@autocall/contracts';
import { randomUUID } from 'node:crypto';
import * as amqp from 'amqplib';
import { CallCompleted, TaskCreated, type CallCompletedT, type TaskSnapshotT } from '@autocall/contracts';
import pino from 'pino';
import { loggerOptions } from '@autocall/logger';
import { asTenant, createTemplate as createSmsTemplate, defaultDialing, putSmsAccount, startTestService, testAmqpUrl, type TestService } from '@autocall/testing';
import type { Bus } from '@autocall/bus';
import { buildApp, SMS_SCHEMA, smsMigrations } from '../src/app';
import { smsConfigSchema, type SmsConfig } from '../src/config';

export type Sms = TestService<SmsConfig>;

/**
 * Every test service gets queues of its own (SMS_QUEUE_PREFIX): this jest worker's vhost and
 * database (libs/testing testEnv) are shared by the files it runs one after another, and a queue
 * left by one would hand later events to a service that is gone. Tests only ever look at their own
 * tenants and tasks.
 */
/** This worker's broker URL (its own virtual host). */
export const brokerUrl = (): string => testAmqpUrl();

export const testQueuePrefix = () => `smstest.${randomUUID()}`;
const prefixes: string[] = [];

function smsEnv(env: Record<string, string>): Record<string, string> {
  const prefix = env.SMS_QUEUE_PREFIX ?? testQueuePrefix();
  prefixes.push(prefix);
  // receipts of the simulated provider only where a test asks for them (SMS_SIM_DLR_MS): the others see `sent` stay
  return { SMS_SENDER_INTERVAL_MS: '100', SMS_SIM_SEND_MS: '5', SMS_CONSUMER_RETRY_BASE_MS: '100', SMS_SIM_DLR_MS: '3600000', ...env, SMS_QUEUE_PREFIX: prefix };
}

export async function startSms(env: Record<string, string> = {}): Promise<Sms> {
  return startTestService({ name: 'sms', schema: SMS_SCHEMA, migrations: smsMigrations, configSchema: smsConfigSchema, buildApp, env: smsEnv(env) });
}

/** As startSms, logging at debug level (with the platform's redaction) into `lines`, to check what logs say. */
export async function startSmsLoggingTo(lines: string[], env: Record<string, string> = {}): Promise<Sms> {
  const logger = pino({ ...loggerOptions('sms', 'debug'), transport: undefined }, { write: (line: string) => void lines.push(line) });
  return startTestService({ name: 'sms', schema: SMS_SCHEMA, migrations: smsMigrations, configSchema: smsConfigSchema, buildApp, env: smsEnv(env), logger });
}

/** The parking queues' suffixes of the parking waits the tests configure (and the defaults). */
const PARK_SUFFIXES = [100, 200, 400, 2000, 4000, 5000, 30000, 60000, 120000, 240000, 480000, 900000].map((ms) => `.park.${ms}`);

/** Deletes the queues the tests declared (durable, and bound to events other runs publish). */
export async function deleteTestQueues(extraPrefixes: string[] = [], extraQueues: string[] = [], url = brokerUrl()): Promise<void> {
  const queues = [...[...prefixes, ...extraPrefixes].flatMap((p) => [`${p}.call-completed`, `${p}.tasks`, `${p}.caps`, `${p}.dnc`]), ...extraQueues];
  const conn = await amqp.connect(url);
  const ch = await conn.createChannel();
  for (const q of queues) {
    for (const suffix of ['', '.retry', '.dlq', ...PARK_SUFFIXES]) await ch.deleteQueue(`${q}${suffix}`).catch(() => undefined);
  }
  await conn.close();
}

export interface TaskOptions {
  tenantId: string;
  taskId?: string;
  name?: string;
  disconnect?: { templateId: string | null; when?: 'anyAnswered' | 'calleeHangup' | 'humanAnswered' } | null;
  unanswered?: { templateId: string | null; includeInvalid?: boolean } | null;
}

/** A task snapshot as the task service publishes it on task.* events. */
export function taskSnapshot(o: TaskOptions): TaskSnapshotT {
  return {
    tenantId: o.tenantId,
    taskId: o.taskId ?? randomUUID(),
    name: o.name ?? 'January Promotion',
    status: 'running',
    recordingId: randomUUID(),
    recordingDurationMs: 12_000,
    rosterId: randomUUID(),
    total: 10,
    sms: {
      onDisconnect: o.disconnect ? { enabled: true, templateId: o.disconnect.templateId, when: o.disconnect.when ?? 'anyAnswered' } : { enabled: false, templateId: null },
      onUnanswered: o.unanswered
        ? { enabled: true, templateId: o.unanswered.templateId, ...(o.unanswered.includeInvalid !== undefined ? { includeInvalid: o.unanswered.includeInvalid } : {}) }
        : { enabled: false, templateId: null },
    },
    dialing: defaultDialing(),
    timezone: 'Asia/Jakarta',
    startAt: null,
  };
}

/** A call.completed as the dialer publishes it. */
export function callCompleted(task: TaskSnapshotT, o: Partial<CallCompletedT> & Pick<CallCompletedT, 'phone' | 'outcome'>): CallCompletedT {
  const answered = o.outcome === 'answered';
  const now = new Date().toISOString();
  return {
    tenantId: task.tenantId,
    taskId: task.taskId,
    attemptId: randomUUID(),
    rowNumber: 2,
    attempt: 1,
    hangupBy: answered ? 'callee' : null,
    sipCode: answered ? 200 : 486,
    failureReason: null,
    startedAt: now,
    answeredAt: answered ? now : null,
    endedAt: now,
    durationMs: answered ? 4000 : 0,
    name: 'Budi',
    variables: {},
    final: true,
    ...o,
  };
}

export async function publishTask(bus: Bus, task: TaskSnapshotT, occurredAt?: string) {
  await bus.publish(TaskCreated, task, { occurredAt });
}

export async function publishCall(bus: Bus, call: CallCompletedT, id?: string) {
  await bus.publish(CallCompleted, call, { id });
}

/** An SMS template of the tenant (libs/testing's factory): its id. */
export async function createTemplate(sms: Sms, tenantId: string, content: string): Promise<string> {
  return (await createSmsTemplate(sms, tenantId, { name: 'Follow-up', content })).id;
}

/** PUT /v1/sms-account, typed by the contract: a provider name the contract does not declare does not compile. */
export const putAccount = (sms: Sms, tenantId: string, body: Partial<Static<typeof PutSmsAccount>>) => putSmsAccount(sms, tenantId, body);

export type MessageItem = SmsMessage;

/** Every message of a task, through the public route. */
export async function messagesOf(sms: Sms, tenantId: string, taskId: string): Promise<MessageItem[]> {
  const items: MessageItem[] = [];
  let cursor: string | null = null;
  do {
    const query: string = `taskId=${taskId}&limit=200${cursor ? `&cursor=${cursor}` : ''}`;
    const res = await sms.app.inject({ method: 'GET', url: `/v1/sms-messages?${query}`, headers: asTenant(tenantId) });
    if (res.statusCode !== 200) throw new Error(`messages: ${res.statusCode} ${res.body}`);
    const body = res.json<{ items: MessageItem[]; nextCursor: string | null }>();
    items.push(...body.items);
    cursor = body.nextCursor;
  } while (cursor);
  return items;
}
