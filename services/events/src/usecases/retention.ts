import type { DataSource } from 'typeorm';
import type { Logger } from '@autocall/logger';
import { WorkLoop } from '@autocall/work-loop';
import { deliveryRepository } from '../data/delivery.repository';
import { eventRepository } from '../data/event.repository';

const BATCH = 5000;

/** Prunes stored events past EVENTS_RETENTION_HOURS and finished deliveries past their retention, in small batches (replicas may prune at once). */
export class Retention {
  private readonly loop: WorkLoop;

  constructor(
    private readonly db: DataSource,
    logger: Logger,
    private readonly opts: { everyMs: number; eventHours: number; deliveryDays: number },
  ) {
    this.loop = new WorkLoop({
      name: 'events retention',
      logger,
      intervalMs: opts.everyMs,
      turn: async ({ stopped }) => {
        let events = 0;
        let deliveries = 0;
        for (let n = BATCH; n === BATCH && !stopped(); ) events += n = await eventRepository.pruneOnce(this.db.manager, this.opts.eventHours, BATCH);
        for (let n = BATCH; n === BATCH && !stopped(); ) deliveries += n = await deliveryRepository.pruneOnce(this.db.manager, this.opts.deliveryDays, BATCH);
        if (events + deliveries > 0) logger.info({ events, deliveries }, 'old events and deliveries pruned');
      },
    });
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }
}
