import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as amqp from 'amqplib';
import { asTenant, startTestService, testAmqpUrl, type TestService } from '@autocall/testing';
import { buildApp, EVENTS_SCHEMA, eventsMigrations, type EventsSeams } from '../src/app';
import { eventsConfigSchema, type EventsConfig } from '../src/config';
import { publicEventsQueue } from '../src/messaging/public-events.consumer';

export type Events = TestService<EventsConfig>;

const prefixes: string[] = [];

/**
 * An events service of the test's own (its queue prefix unique: the worker's vhost is shared by the
 * files it runs), with quick settings: private receivers allowed (the receiver is on 127.0.0.1),
 * a short retry schedule, a short timeout and lease, a fast poll.
 */
export async function startEvents(env: Record<string, string> = {}, seams: EventsSeams = {}): Promise<Events> {
  const prefix = env.EVENTS_QUEUE_PREFIX ?? `eventstest.${randomUUID()}`;
  prefixes.push(prefix);
  return startTestService({
    name: 'events',
    schema: EVENTS_SCHEMA,
    migrations: eventsMigrations,
    configSchema: eventsConfigSchema,
    buildApp: (deps) => buildApp(deps, seams),
    env: {
      WEBHOOK_ALLOW_PRIVATE: 'true',
      WEBHOOK_RETRY_SCHEDULE: '50ms,100ms,150ms',
      WEBHOOK_TIMEOUT_MS: '1000',
      WEBHOOK_LEASE_MS: '3000',
      WEBHOOK_POLL_MS: '50',
      ...env,
      EVENTS_QUEUE_PREFIX: prefix,
    },
  });
}

/** Deletes the queues the tests declared (durable, and bound to events other files publish). */
export async function deleteTestQueues(): Promise<void> {
  const conn = await amqp.connect(testAmqpUrl());
  const ch = await conn.createChannel();
  for (const p of prefixes.splice(0)) {
    for (const suffix of ['', '.retry', '.dlq', '.park.30000', '.park.60000', '.park.120000', '.park.240000', '.park.480000', '.park.900000']) await ch.deleteQueue(`${publicEventsQueue(p)}${suffix}`).catch(() => undefined);
  }
  await conn.close();
}

export interface Res {
  status: number;
  body: any;
  headers: Record<string, unknown>;
}

/** A request to the service as the gateway would send it (internal token, tenant). */
export async function call(svc: Events, tenantId: string, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown): Promise<Res> {
  const res = await svc.app.inject({ method, url, headers: asTenant(tenantId), ...(payload === undefined ? {} : { payload: payload as object }) });
  return { status: res.statusCode, body: res.body ? safeJson(res.body) : undefined, headers: res.headers };
}

const safeJson = (s: string) => {
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
};

export interface Received {
  headers: IncomingMessage['headers'];
  body: string;
  at: number;
}

export type Behaviour = (req: IncomingMessage, res: ServerResponse, n: number) => void;

/** A real HTTP receiver in the test process: records every request; `behave` decides each answer (200 by default). */
export class Receiver {
  readonly requests: Received[] = [];
  behave: Behaviour = (_req, res) => res.end('ok');

  private constructor(private readonly server: Server) {}

  static async start(): Promise<Receiver> {
    const holder: { self?: Receiver } = {};
    const server = createServer((req, res) => {
      const self = holder.self;
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        self!.requests.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() });
        self!.behave(req, res, self!.requests.length);
      });
    });
    const self = new Receiver(server);
    holder.self = self;
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return self;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }

  /** Requests whose body is the event with this id. */
  ofEvent(id: string): Received[] {
    return this.requests.filter((r) => r.headers['webhook-id'] === id);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

export interface SseMessage {
  id?: string;
  event?: string;
  data?: string;
  comment?: string;
}

/**
 * A Server-Sent Events client over plain HTTP (node:http): every frame and comment as it arrives.
 * `close()` hangs up, as a browser tab closing would.
 */
export class SseClient {
  readonly messages: SseMessage[] = [];
  status = 0;
  headers: Record<string, unknown> = {};
  ended = false;
  private req?: import('node:http').ClientRequest;
  private buffer = '';

  static async open(url: string, headers: Record<string, string>): Promise<SseClient> {
    const { request } = await import('node:http');
    const c = new SseClient();
    await new Promise<void>((resolve, reject) => {
      const req = request(url, { headers: { accept: 'text/event-stream', ...headers } }, (res) => {
        c.status = res.statusCode ?? 0;
        c.headers = res.headers;
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => c.feed(chunk));
        res.on('end', () => (c.ended = true));
        res.on('close', () => (c.ended = true));
        res.on('error', () => (c.ended = true));
        resolve();
      });
      req.on('error', (err) => (c.status ? (c.ended = true) : reject(err)));
      req.end();
      c.req = req;
    });
    return c;
  }

  private feed(chunk: string): void {
    this.buffer += chunk;
    for (let i = this.buffer.indexOf('\n\n'); i >= 0; i = this.buffer.indexOf('\n\n')) {
      const block = this.buffer.slice(0, i);
      this.buffer = this.buffer.slice(i + 2);
      const m: SseMessage = {};
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) m.comment = line.slice(1).trim();
        else if (line.startsWith('id: ')) m.id = line.slice(4);
        else if (line.startsWith('event: ')) m.event = line.slice(7);
        else if (line.startsWith('data: ')) m.data = line.slice(6);
      }
      this.messages.push(m);
    }
  }

  /** The events received (frames with an event), parsed. */
  get events(): { id: string; type: string; tenantId: string; data: any }[] {
    return this.messages.filter((m) => m.event).map((m) => JSON.parse(m.data!));
  }

  close(): void {
    this.req?.destroy();
  }
}
