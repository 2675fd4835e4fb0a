import type { DataSource } from 'typeorm';
import { commonErrors, decodeCursor, encodeCursor, invalidField, isUuid, newId, type PublicEventType, type WebhookDeliveryView, type WebhookView } from '@autocall/contracts';
import { checkUrl } from '@autocall/net-guard';
import { deliveryRepository, type DeliveryRow } from '../data/delivery.repository';
import { eventRepository, type StoredEvent } from '../data/event.repository';
import { webhookRepository, type WebhookChanges, type WebhookRow } from '../data/webhook.repository';
import { eventsErrors } from '../domain/errors';
import { unsubscribable } from '../domain/public-event';
import { newSecret } from '../domain/signature';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export const webhookView = (r: WebhookRow): WebhookView => ({
  id: r.id,
  url: r.url,
  events: r.events as PublicEventType[],
  description: r.description,
  enabled: r.enabled,
  disabledReason: r.disabled_reason,
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
});

export const deliveryView = (r: DeliveryRow): WebhookDeliveryView => ({
  id: r.id,
  eventId: r.event_id,
  eventType: r.event_type as PublicEventType,
  status: r.status,
  attempts: r.attempts,
  lastStatusCode: r.last_status_code,
  lastError: r.last_error,
  nextAttemptAt: r.status === 'pending' ? iso(r.next_attempt_at) : null,
  createdAt: r.created_at.toISOString(),
  deliveredAt: iso(r.delivered_at),
});

export interface WebhookOptions {
  allowPrivate: boolean;
  maxEndpoints: number;
  secretGraceHours: number;
  /** Tests resolve names their own way. */
  resolve?: (host: string) => Promise<string[]>;
}

const DELIVERIES = 'webhook-deliveries';

/** Webhook endpoints: CRUD, secrets and their rotation, test sends, the delivery list and redelivery. */
export class WebhookService {
  constructor(
    private readonly db: DataSource,
    private readonly opts: WebhookOptions,
    /** New deliveries are due: the worker may look now. */
    private readonly onDue: () => void,
    /** Events were stored and committed: the streams hear of them. */
    private readonly onStored: (events: StoredEvent[]) => void = () => undefined,
  ) {}

  private async checkUrl(url: string): Promise<void> {
    const verdict = await checkUrl(url, { allowPrivate: this.opts.allowPrivate, resolve: this.opts.resolve });
    if (verdict.ok) return;
    switch (verdict.reason) {
      case 'invalid':
        throw invalidField('url', 'must be an absolute http(s) URL');
      case 'unresolvable':
        throw eventsErrors.WEBHOOK_URL_UNRESOLVABLE(verdict.message);
      case 'scheme':
      case 'credentials':
      case 'private':
        throw eventsErrors.WEBHOOK_URL_FORBIDDEN(verdict.message);
    }
  }

  private checkEvents(events: string[]): void {
    const refused = unsubscribable(events);
    if (refused.length > 0) throw eventsErrors.WEBHOOK_EVENT_NOT_SUBSCRIBABLE(`${refused.join(', ')} cannot be subscribed to by a webhook.`);
  }

  async create(tenantId: string, input: { url: string; events: string[]; description?: string | null; enabled?: boolean }): Promise<WebhookView & { secret: string }> {
    this.checkEvents(input.events);
    await this.checkUrl(input.url);
    const secret = newSecret();
    const row = await this.db.transaction(async (m) => {
      await webhookRepository.lockTenant(m, tenantId);
      if ((await webhookRepository.count(m, tenantId)) >= this.opts.maxEndpoints) throw eventsErrors.WEBHOOK_LIMIT(`A tenant may have at most ${this.opts.maxEndpoints} webhook endpoints.`);
      return webhookRepository.insert(m, { id: newId(), tenant_id: tenantId, url: input.url, events: input.events, description: input.description ?? null, enabled: input.enabled ?? true, secret });
    });
    return { ...webhookView(row), secret };
  }

  async list(tenantId: string, q: { page: number; pageSize: number }) {
    const { rows, total } = await webhookRepository.list(this.db.manager, tenantId, q.page, q.pageSize);
    return { items: rows.map(webhookView), page: q.page, pageSize: q.pageSize, total };
  }

  private async own(tenantId: string, id: string): Promise<WebhookRow> {
    const row = await webhookRepository.find(this.db.manager, tenantId, id);
    if (!row) throw eventsErrors.WEBHOOK_NOT_FOUND();
    return row;
  }

  async get(tenantId: string, id: string): Promise<WebhookView> {
    return webhookView(await this.own(tenantId, id));
  }

  async update(tenantId: string, id: string, input: { url?: string; events?: string[]; description?: string | null; enabled?: boolean }): Promise<WebhookView> {
    if (input.events) this.checkEvents(input.events);
    if (input.url !== undefined) await this.checkUrl(input.url);
    const row = await this.db.transaction(async (m) => {
      const current = await webhookRepository.find(m, tenantId, id, true);
      if (!current) throw eventsErrors.WEBHOOK_NOT_FOUND();
      const changes: WebhookChanges = {};
      if (input.url !== undefined) changes.url = input.url;
      if (input.events !== undefined) changes.events = input.events;
      if (input.description !== undefined) changes.description = input.description;
      if (input.enabled !== undefined) {
        changes.enabled = input.enabled;
        // re-enabled: the reason goes, and the failures before it no longer count toward disabling
        if (input.enabled) Object.assign(changes, { disabled_reason: null, failing_since: null });
      }
      return webhookRepository.update(m, id, changes);
    });
    if (row.enabled) this.onDue();
    return webhookView(row);
  }

  async remove(tenantId: string, id: string): Promise<void> {
    if (!(await webhookRepository.remove(this.db.manager, tenantId, id))) throw eventsErrors.WEBHOOK_NOT_FOUND();
  }

  /** A new secret; the previous one keeps signing (beside it) for the grace period. */
  async rotateSecret(tenantId: string, id: string): Promise<{ secret: string; previousSecretExpiresAt: string }> {
    const secret = newSecret();
    const expires = new Date(Date.now() + this.opts.secretGraceHours * 3_600_000);
    await this.db.transaction(async (m) => {
      const current = await webhookRepository.find(m, tenantId, id, true);
      if (!current) throw eventsErrors.WEBHOOK_NOT_FOUND();
      await webhookRepository.update(m, id, { secret, previous_secret: current.secret, previous_secret_expires_at: expires });
    });
    return { secret, previousSecretExpiresAt: expires.toISOString() };
  }

  /** A `webhook.test` event, stored like any other, delivered to this endpoint only. */
  async test(tenantId: string, id: string): Promise<WebhookDeliveryView> {
    let stored: StoredEvent[] = [];
    const row = await this.db.transaction(async (m) => {
      const hook = await webhookRepository.find(m, tenantId, id);
      if (!hook) throw eventsErrors.WEBHOOK_NOT_FOUND();
      if (!hook.enabled) throw eventsErrors.WEBHOOK_DISABLED();
      const event = { id: newId(), type: 'webhook.test' as const, createdAt: new Date().toISOString(), tenantId, data: { webhookId: id } };
      stored = await eventRepository.store(m, [{ event, taskId: null }]);
      return deliveryRepository.insertOne(m, { tenantId, webhookId: id, eventId: stored[0].id, eventType: stored[0].type, body: stored[0].body });
    });
    this.onStored(stored);
    this.onDue();
    return deliveryView(row);
  }

  async deliveries(tenantId: string, id: string, q: { limit: number; cursor?: string; status?: string }) {
    await this.own(tenantId, id);
    const key = decodeCursor(DELIVERIES, q.cursor, 3);
    if (key && (key[0] !== id || typeof key[1] !== 'string' || Number.isNaN(Date.parse(key[1])) || !isUuid(key[2]))) throw commonErrors.INVALID_CURSOR();
    const rows = await deliveryRepository.list(this.db.manager, id, { status: q.status, before: key ? [key[1] as string, key[2] as string] : undefined, limit: q.limit + 1 });
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    return { items: page.map(deliveryView), nextCursor: rows.length > q.limit ? encodeCursor(DELIVERIES, [id, last.created_at.toISOString(), last.id]) : null };
  }

  /** Sends a delivery again with the same webhook-id: due at once, its retries started afresh; one being sent now is left to finish. */
  async redeliver(tenantId: string, id: string, deliveryId: string): Promise<WebhookDeliveryView> {
    const row = await this.db.transaction(async (m) => {
      const hook = await webhookRepository.find(m, tenantId, id);
      if (!hook) throw eventsErrors.WEBHOOK_NOT_FOUND();
      const d = await deliveryRepository.find(m, tenantId, id, deliveryId, true);
      if (!d) throw eventsErrors.DELIVERY_NOT_FOUND();
      if (!hook.enabled) throw eventsErrors.WEBHOOK_DISABLED();
      if (d.status === 'pending' && d.lease_until && d.lease_until.getTime() > Date.now()) return d;
      return deliveryRepository.restart(m, d.id);
    });
    this.onDue();
    return deliveryView(row);
  }
}
