import type { DataSource } from 'typeorm';
import { handleBatchOnce, type BatchItem } from '@autocall/bus';
import type { Logger } from '@autocall/logger';
import { eventRepository, type StoredEvent } from '../data/event.repository';
import { toPublicEvent, type IncomingEvent } from '../domain/public-event';

export const PUBLIC_EVENTS_CONSUMER = 'events.public';

/**
 * Takes the platform's public events in: each message once (inbox), stored with its tenant's next
 * sequence number and fanned out to the subscribed endpoints as deliveries, in one transaction.
 * Nothing is asked of any other service: the publisher gave the event its public shape.
 */
export class EventIntake {
  constructor(
    private readonly db: DataSource,
    private readonly logger: Logger,
    private readonly onDeliveries: () => void,
    /** Events were stored and committed: the streams hear of them. */
    private readonly onStored: (events: StoredEvent[]) => void = () => undefined,
  ) {}

  async applyBatch(items: BatchItem[]): Promise<void> {
    let made = 0;
    let stored: StoredEvent[] = [];
    await handleBatchOnce(this.db, PUBLIC_EVENTS_CONSUMER, items, async (m, fresh) => {
      const incoming: IncomingEvent[] = [];
      for (const i of fresh) {
        const e = toPublicEvent(i.contract.name, i.ctx.id, i.ctx.occurredAt ?? new Date().toISOString(), i.payload as Record<string, unknown>);
        if (e) incoming.push(e);
        else this.logger.warn({ name: i.contract.name, messageId: i.ctx.id }, 'not a public event; ignored');
      }
      stored = await eventRepository.store(m, incoming);
      made = await eventRepository.fanOut(m, stored);
    });
    if (stored.length > 0) this.onStored(stored);
    if (made > 0) this.onDeliveries();
  }
}
