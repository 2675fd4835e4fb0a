import * as amqp from 'amqplib';
import type { DataSource } from 'typeorm';
import { maskPhone } from '@autocall/logger';
import { PG_BUS_CHANNEL } from './pg-bus';

/**
 * Dead-letter queues, looked at and re-driven (`pnpm dlq`, scripts/dlq.mjs): on RabbitMQ every
 * consumer queue `q` has `q.dlq`; on the in-process transport they are rows of `bus.dead_letters`.
 * A replayed message goes back to its queue as it was (body and headers, the retry and parking
 * counters reset), so its consumer handles it as a first delivery; the consumer's inbox keeps a
 * message that had been handled from being handled twice.
 */

/** The platform's consumer queues (SMS_QUEUE_PREFIX=sms); other names can be given on the command line. */
export const PLATFORM_QUEUES = ['task.progress', 'task.release-references', 'sms.call-completed', 'sms.tasks', 'dialer.task-events', 'dialer.sms-events'];

export interface DeadLetterCount {
  queue: string;
  messages: number;
}

export interface DeadLetter {
  queue: string;
  messageId: string | null;
  event: string | null;
  /** Why it was dead-lettered, phone numbers masked (a database error can quote one). */
  reason: string | null;
  headers: Record<string, unknown>;
  /** The body, parsed when it is JSON, with every phone number in it masked. */
  body: unknown;
}

/** Headers that belong to one trip through the failure path, not to the message. */
const TRIP_HEADERS = ['x-death', 'x-death-reason', 'x-retries', 'x-parked', 'x-first-death-exchange', 'x-first-death-queue', 'x-first-death-reason'];

/** 8 to 20 digits (spaces and hyphens between them), not part of a longer word, date or UUID. */
const PHONE = /(?<![\w-])\+?\d[\d -]{6,18}\d(?![\w-])/g;

/**
 * Masks everything that looks like a phone number, wherever it is in a JSON value: in strings,
 * and integers of 8 digits or more (a phone sent as a JSON number).
 */
export function maskPhones(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(PHONE, (m) => maskPhone(m.replace(/[ -]/g, '')));
  if (typeof value === 'number' && Number.isInteger(value) && Math.abs(value) >= 1e7) return maskPhone(String(value));
  if (Array.isArray(value)) return value.map(maskPhones);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskPhones(v)]));
  return value;
}

function parse(content: Buffer): unknown {
  const text = content.toString();
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

const envelopeField = (body: unknown, key: 'id' | 'name'): string | null => {
  const v = body && typeof body === 'object' ? (body as Record<string, unknown>)[key] : undefined;
  return typeof v === 'string' ? v : null;
};

const withoutTrip = (headers: Record<string, unknown>) => Object.fromEntries(Object.entries(headers).filter(([k]) => !TRIP_HEADERS.includes(k)));

/** A RabbitMQ connection for the dead-letter commands. */
export class RabbitDeadLetters {
  private constructor(private readonly conn: amqp.ChannelModel) {}

  static async connect(url: string): Promise<RabbitDeadLetters> {
    return new RabbitDeadLetters(await amqp.connect(url, { clientProperties: { connection_name: 'autocall-dlq' } }));
  }

  close(): Promise<void> {
    return this.conn.close();
  }

  /** How many messages each queue's DLQ holds; queues without one are left out. */
  async list(queues: string[]): Promise<DeadLetterCount[]> {
    const out: DeadLetterCount[] = [];
    for (const queue of queues) {
      const ch = await this.conn.createChannel();
      ch.on('error', () => undefined); // a missing queue closes the channel
      try {
        out.push({ queue, messages: (await ch.checkQueue(`${queue}.dlq`)).messageCount });
        await ch.close();
      } catch {
        // no such queue here
      }
    }
    return out;
  }

  /** The first `limit` dead letters of a queue; they stay where they are (taken unacknowledged, then put back). */
  async show(queue: string, limit = 10): Promise<DeadLetter[]> {
    const ch = await this.conn.createChannel();
    try {
      const out: DeadLetter[] = [];
      for (let i = 0; i < limit; i++) {
        const msg = await ch.get(`${queue}.dlq`, { noAck: false });
        if (!msg) break;
        const headers = (msg.properties.headers ?? {}) as Record<string, unknown>;
        const body = parse(msg.content);
        out.push({
          queue,
          messageId: (msg.properties.messageId as string | undefined) ?? envelopeField(body, 'id'),
          event: envelopeField(body, 'name'),
          reason: typeof headers['x-death-reason'] === 'string' ? (maskPhones(headers['x-death-reason']) as string) : null,
          headers: maskPhones(headers) as Record<string, unknown>,
          body: maskPhones(body),
        });
      }
      return out;
    } finally {
      await ch.close(); // unacknowledged: back in the DLQ, in order
    }
  }

  /**
   * Moves dead letters back to their queue: one (by message id) or all those there when it
   * starts (a replayed message that fails again and comes back is not replayed twice in one run).
   * Each is republished with a confirm and only then acknowledged, so none is lost or doubled by a
   * failure half-way. Returns how many were replayed.
   */
  async replay(queue: string, which: { messageId: string } | 'all'): Promise<number> {
    const ch = await this.conn.createConfirmChannel();
    try {
      const { messageCount } = await ch.checkQueue(`${queue}.dlq`);
      let replayed = 0;
      for (let i = 0; i < messageCount; i++) {
        const msg = await ch.get(`${queue}.dlq`, { noAck: false });
        if (!msg) break;
        const id = (msg.properties.messageId as string | undefined) ?? envelopeField(parse(msg.content), 'id');
        if (which !== 'all' && id !== which.messageId) continue; // left unacknowledged: back in the DLQ on close
        const { headers, expiration: _expiration, ...properties } = msg.properties;
        await new Promise<void>((resolve, reject) =>
          ch.sendToQueue(queue, msg.content, { ...properties, headers: withoutTrip((headers ?? {}) as Record<string, unknown>), persistent: true }, (err) => (err ? reject(err as Error) : resolve())),
        );
        ch.ack(msg);
        replayed++;
        if (which !== 'all') break;
      }
      return replayed;
    } finally {
      await ch.close();
    }
  }
}

/** The in-process transport's dead letters (table bus.dead_letters of its database). */
export class PgDeadLetters {
  constructor(private readonly db: Pick<DataSource, 'query'>) {}

  async list(): Promise<DeadLetterCount[]> {
    const exists = (await this.db.query(`SELECT to_regclass('bus.dead_letters') IS NOT NULL AS ok`)) as { ok: boolean }[];
    if (!exists[0].ok) return [];
    return (await this.db.query(`SELECT queue, count(*)::int AS messages FROM bus.dead_letters GROUP BY queue ORDER BY queue`)) as DeadLetterCount[];
  }

  async show(queue: string, limit = 10): Promise<DeadLetter[]> {
    const rows = (await this.db.query(`SELECT body, headers, reason FROM bus.dead_letters WHERE queue = $1 ORDER BY seq LIMIT $2`, [queue, limit])) as {
      body: unknown;
      headers: Record<string, unknown> | null;
      reason: string | null;
    }[];
    return rows.map((r) => ({
      queue,
      messageId: envelopeField(r.body, 'id'),
      event: envelopeField(r.body, 'name'),
      reason: r.reason === null ? null : (maskPhones(r.reason) as string),
      headers: maskPhones(r.headers ?? {}) as Record<string, unknown>,
      body: maskPhones(r.body),
    }));
  }

  /** Moves dead letters back to their queue in one statement (and wakes its consumers). */
  async replay(queue: string, which: { messageId: string } | 'all'): Promise<number> {
    const rows = (await this.db.query(
      `WITH moved AS (
         DELETE FROM bus.dead_letters WHERE queue = $1 AND ($2::text IS NULL OR body->>'id' = $2) RETURNING seq, queue, body, headers),
       inserted AS (
         INSERT INTO bus.messages (queue, body, headers)
         SELECT queue, body, headers - $3::text[] FROM moved ORDER BY seq RETURNING queue)
       SELECT count(*)::int AS n, (SELECT pg_notify('${PG_BUS_CHANNEL}', $1) WHERE EXISTS (SELECT 1 FROM inserted)) AS notified FROM inserted`,
      [queue, which === 'all' ? null : which.messageId, TRIP_HEADERS],
    )) as { n: number }[];
    return rows[0].n;
  }
}
