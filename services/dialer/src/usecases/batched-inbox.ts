import type { MessageContext } from '@autocall/bus';
import type { DataSource, EntityManager } from 'typeorm';

interface Pending<P> {
  payload: P;
  id: string;
  resolve: () => void;
  reject: (err: Error) => void;
}

/**
 * handleOnce for a high-volume consumer: messages that arrive together (up to the prefetch) share
 * one transaction — one inbox INSERT for all ids, one effect for the new ones. Each message is
 * acked only after that commit; a failed batch fails every message in it (each retries alone).
 */
export function batchedInbox<P>(db: DataSource, consumer: string, effect: (m: EntityManager, payloads: P[]) => Promise<void>, maxBatch = 500) {
  let queue: Pending<P>[] = [];
  let flushing = false;

  async function flush(): Promise<void> {
    flushing = true;
    try {
      while (queue.length > 0) {
        const batch = queue.slice(0, maxBatch);
        queue = queue.slice(batch.length);
        try {
          await db.transaction(async (m) => {
            const ids = [...new Set(batch.map((b) => b.id))];
            const fresh = new Set(
              ((await m.query(`INSERT INTO inbox (consumer, message_id) SELECT $1, unnest($2::uuid[]) ON CONFLICT DO NOTHING RETURNING message_id`, [consumer, ids])) as { message_id: string }[]).map(
                (r) => r.message_id,
              ),
            );
            const todo: P[] = [];
            for (const b of batch) {
              if (fresh.delete(b.id)) todo.push(b.payload);
            }
            if (todo.length > 0) await effect(m, todo);
          });
          for (const b of batch) b.resolve();
        } catch (err) {
          for (const b of batch) b.reject(err as Error);
        }
      }
    } finally {
      flushing = false;
    }
  }

  return (payload: P, ctx: MessageContext): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      queue.push({ payload, id: ctx.id, resolve, reject });
      if (!flushing) setImmediate(() => void flush());
      flushing = true;
    });
}
