import { Client } from 'pg';
import type { Logger } from '@autocall/logger';
import type { ApiKeyCache } from '../domain/api-key-cache';
import type { CredentialEnds } from '../domain/credential-ends';
import type { LiveSession } from '../domain/session';

/** Notified (with the key id) by a trigger on every revocation, change or deletion of an API key. */
export const API_KEYS_CHANNEL = 'gateway_api_keys';
/** Notified by triggers when a session ends (`s:<id>`) or a user changes (`u:<id>`). */
export const SESSIONS_CHANNEL = 'gateway_sessions';
/** How the listener's session shows in pg_stat_activity. */
export const LISTENER_APPLICATION_NAME = 'autocall-gateway-key-listener';

const RECONNECT_MIN_MS = 200;
const RECONNECT_MAX_MS = 5_000;

/**
 * Keeps a PostgreSQL connection LISTENing for API key changes and applies them to the cache. The
 * cache is enabled only while the connection is up: losing it clears and disables the cache (a
 * revocation might go unheard), and reconnecting clears it again before enabling it.
 */
export class ApiKeyListener {
  private client: Client | undefined;
  private closed = false;
  private retryMs = RECONNECT_MIN_MS;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly url: string,
    private readonly cache: ApiKeyCache,
    private readonly logger: Logger,
    private readonly sessions?: ApiKeyCache<LiveSession>,
    /** Also told of user changes by user id, whether or not a session of the user is cached. */
    private readonly ends?: CredentialEnds,
  ) {}

  start(): void {
    void this.connect();
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    const client = new Client({ connectionString: this.url, application_name: LISTENER_APPLICATION_NAME, keepAlive: true, keepAliveInitialDelayMillis: 10_000 });
    let lost = false;
    const onLost = (err?: Error) => {
      if (lost) return;
      lost = true;
      this.cache.disable();
      this.sessions?.disable();
      if (this.client === client) this.client = undefined;
      client.end().catch(() => undefined);
      if (this.closed) return;
      this.logger.warn({ err: err?.message }, 'API key listener lost; key cache off until it reconnects');
      this.timer = setTimeout(() => void this.connect(), this.retryMs);
      this.timer.unref();
      this.retryMs = Math.min(this.retryMs * 2, RECONNECT_MAX_MS);
    };
    client.on('notification', (n) => {
      if (n.channel === API_KEYS_CHANNEL && n.payload) this.cache.invalidateKey(n.payload);
      if (n.channel === SESSIONS_CHANNEL && n.payload) {
        const id = n.payload.slice(2);
        if (n.payload.startsWith('s:')) this.sessions?.invalidateKey(id);
        else {
          this.sessions?.invalidateWhere((s) => s.userId === id);
          this.ends?.ended(id);
        }
      }
    });
    client.on('error', onLost);
    client.on('end', () => onLost());
    try {
      await client.connect();
      await client.query(`LISTEN ${API_KEYS_CHANNEL}`);
      await client.query(`LISTEN ${SESSIONS_CHANNEL}`);
    } catch (err) {
      onLost(err as Error);
      return;
    }
    if (lost) return;
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.retryMs = RECONNECT_MIN_MS;
    this.cache.enable();
    this.sessions?.enable();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.cache.disable();
    this.sessions?.disable();
    const c = this.client;
    this.client = undefined;
    await c?.end().catch(() => undefined);
  }
}
