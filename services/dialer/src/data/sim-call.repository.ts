import type { DataSource } from 'typeorm';

export interface SimCallRecord {
  attemptId: string;
  phone: string;
  attempt: number;
  placedBy: string;
  /** When the call was sent (inside the pre-INVITE check, before its commit): what "a call started" means in tests. */
  placedAt: Date;
}

/**
 * The simulated carrier's record of every call it was asked to place, durable before the call
 * "rings". Records are group-committed: every caller waiting at the same moment shares one INSERT.
 */
export class SimCallRepository {
  private queue: { rec: SimCallRecord; resolve: () => void; reject: (e: Error) => void }[] = [];
  private flushing = false;

  constructor(private readonly db: DataSource) {}

  record(rec: SimCallRecord): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ rec, resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, 2000);
        try {
          await this.db.query(
            `INSERT INTO sim_calls (attempt_id, phone, attempt, placed_by, placed_at)
             SELECT * FROM unnest($1::uuid[], $2::text[], $3::int[], $4::text[], $5::timestamptz[])`,
            [batch.map((b) => b.rec.attemptId), batch.map((b) => b.rec.phone), batch.map((b) => b.rec.attempt), batch.map((b) => b.rec.placedBy), batch.map((b) => b.rec.placedAt.toISOString())],
          );
          for (const b of batch) b.resolve();
        } catch (err) {
          for (const b of batch) b.reject(err as Error);
        }
      }
    } finally {
      this.flushing = false;
    }
  }
}
