import { Pool } from 'undici';
import type { GatewayConfig } from '../config';

export type ServiceName = 'task' | 'roster' | 'recording' | 'sms' | 'dialer' | 'events';

/**
 * One keep-alive connection pool per upstream service, and one for the live event streams: a stream
 * holds its connection for as long as it is open, so streams in the events pool would take every
 * connection and leave the webhook routes (and new streams) waiting.
 */
export type Upstreams = Record<ServiceName, Pool> & { streams: Pool };

export function createUpstreams(c: GatewayConfig): Upstreams {
  const pool = (url: string) =>
    new Pool(url, {
      connections: c.UPSTREAM_CONNECTIONS,
      pipelining: c.UPSTREAM_PIPELINING,
      connectTimeout: 5_000,
      headersTimeout: c.UPSTREAM_TIMEOUT_MS,
      bodyTimeout: c.UPSTREAM_TIMEOUT_MS,
      keepAliveTimeout: 10_000,
    });
  // a stream is quiet between heartbeats (EVENTS_HEARTBEAT_MS, 15 s): within the body timeout
  const streams = new Pool(c.EVENTS_URL, { connections: c.GATEWAY_MAX_STREAMS, pipelining: 1, connectTimeout: 5_000, headersTimeout: c.UPSTREAM_TIMEOUT_MS, bodyTimeout: c.UPSTREAM_TIMEOUT_MS, keepAliveTimeout: 10_000 });
  return { task: pool(c.TASK_URL), roster: pool(c.ROSTER_URL), recording: pool(c.RECORDING_URL), sms: pool(c.SMS_URL), dialer: pool(c.DIALER_URL), events: pool(c.EVENTS_URL), streams };
}

export async function closeUpstreams(u: Upstreams): Promise<void> {
  await Promise.all(Object.values(u).map((p) => p.close().catch(() => undefined)));
}

/** ARCHITECTURE.md's proxy table: which service serves which public route. */
export const proxyTable: [url: string, service: ServiceName][] = [
  ['/v1/recordings', 'recording'],
  ['/v1/recordings/*', 'recording'],
  ['/v1/rosters', 'roster'],
  ['/v1/rosters/*', 'roster'],
  ['/v1/sms-templates', 'sms'],
  ['/v1/sms-templates/*', 'sms'],
  ['/v1/sms-account', 'sms'],
  ['/v1/sms-account/*', 'sms'],
  ['/v1/sms-messages', 'sms'],
  ['/v1/sms-inbound', 'sms'],
  ['/v1/sms-callbacks/*', 'sms'],
  ['/v1/admin/sms-templates', 'sms'],
  ['/v1/admin/sms-templates/*', 'sms'],
  ['/v1/tasks', 'task'],
  ['/v1/tasks/*', 'task'],
  ['/v1/tasks/:id/calls', 'dialer'],
  ['/v1/tasks/:id/report', 'dialer'],
  ['/v1/dnc', 'dialer'],
  ['/v1/dnc/*', 'dialer'],
  ['/v1/calendar', 'dialer'],
  ['/v1/contact-policy', 'dialer'],
  ['/v1/webhooks', 'events'],
  ['/v1/webhooks/*', 'events'],
  ['/v1/events', 'events'],
];
