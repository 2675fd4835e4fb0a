import type { DataSource, EntityManager } from 'typeorm';
import type { BatchItem } from './bus';

/**
 * Runs a consumer's effect at most once per message id: the inbox row and the effect commit in
 * one transaction, so a redelivered message finds its id and changes nothing.
 * Returns false when the message had been handled already.
 */
export async function handleOnce(ds: DataSource, consumer: string, messageId: string, effect: (m: EntityManager) => Promise<void>): Promise<boolean> {
  return ds.transaction(async (m) => {
    const inserted = (await m.query(`INSERT INTO inbox (consumer, message_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING 1`, [consumer, messageId])) as unknown[];
    if (inserted.length === 0) return false;
    await effect(m);
    return true;
  });
}

/**
 * Batch form: records every message id of the batch in one statement and runs the effect, in the
 * same transaction, for the messages not handled before (a redelivered batch changes nothing twice).
 */
export async function handleBatchOnce(ds: DataSource, consumer: string, items: BatchItem[], effect: (m: EntityManager, fresh: BatchItem[]) => Promise<void>): Promise<number> {
  return ds.transaction(async (m) => {
    const inserted = (await m.query(
      `INSERT INTO inbox (consumer, message_id) SELECT $1, unnest($2::uuid[]) ON CONFLICT DO NOTHING RETURNING message_id`,
      [consumer, items.map((i) => i.ctx.id)],
    )) as { message_id: string }[];
    const fresh = new Set(inserted.map((r) => r.message_id));
    const todo = items.filter((i) => fresh.delete(i.ctx.id)); // a duplicate id inside one batch runs once
    if (todo.length > 0) await effect(m, todo);
    return todo.length;
  });
}
