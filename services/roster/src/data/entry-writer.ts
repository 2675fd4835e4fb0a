import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { DataSource, QueryRunner } from 'typeorm';

const FLUSH_BYTES = 256 * 1024;

class CopyStream {
  private buf: Buffer[] = [];
  private bufBytes = 0;
  private stream?: Writable;
  private runner?: QueryRunner;
  private failed?: Error;
  private lines = 0;

  constructor(
    private readonly db: DataSource,
    private readonly sql: string,
    private readonly segmentRows: number,
  ) {}

  /** `text` holds `lines` complete COPY lines (UTF-8). */
  async push(text: Buffer, lines: number): Promise<void> {
    if (lines === 0) return;
    this.buf.push(text);
    this.bufBytes += text.length;
    this.lines += lines;
    if (this.lines >= this.segmentRows) {
      // Commit a segment: one COPY statement never grows without bound.
      this.lines = 0;
      await this.endSegment();
    } else if (this.bufBytes >= FLUSH_BYTES) await this.flush();
  }

  private async endSegment(): Promise<void> {
    await this.flush();
    if (!this.stream) return;
    const done = once(this.stream, 'finish');
    this.stream.end();
    await done;
    this.stream = undefined;
    if (this.failed) throw this.failed;
  }

  private async open(): Promise<Writable> {
    if (this.stream) return this.stream;
    this.runner ??= this.db.createQueryRunner();
    const client = (await this.runner.connect()) as PoolClient;
    const stream = client.query(copyFrom(this.sql));
    stream.on('error', (err: Error) => {
      this.failed = err;
    });
    this.stream = stream;
    return stream;
  }

  private async flush(): Promise<void> {
    if (this.failed) throw this.failed;
    if (this.bufBytes === 0) return;
    const stream = await this.open();
    const chunk = this.buf.length === 1 ? this.buf[0] : Buffer.concat(this.buf);
    this.buf = [];
    this.bufBytes = 0;
    if (!stream.write(chunk)) await Promise.race([once(stream, 'drain'), once(stream, 'error')]);
    if (this.failed) throw this.failed;
  }

  async end(): Promise<void> {
    try {
      await this.endSegment();
    } finally {
      await this.runner?.release();
    }
  }

  async abort(): Promise<void> {
    this.buf = [];
    this.bufBytes = 0;
    if (this.stream && !this.stream.destroyed) this.stream.destroy(new Error('aborted'));
    // A COPY cut off mid-stream leaves the connection unusable: drop it rather than pool it.
    const runner = this.runner as unknown as { releasePostgresConnection?(err: Error): Promise<void> } | undefined;
    await runner?.releasePostgresConnection?.(new Error('copy aborted'))?.catch(() => undefined);
  }
}

/**
 * Writes one import attempt's entries and row errors with COPY FROM STDIN (two connections,
 * buffered, with back-pressure). The lines come ready-made from the import thread (CopyLines);
 * each COPY statement ends after `segmentRows` lines and commits on its own.
 */
export class EntryWriter {
  private readonly entries: CopyStream;
  private readonly errors: CopyStream;

  constructor(db: DataSource, segmentRows: number) {
    this.entries = new CopyStream(db, 'COPY roster_entries (roster_id, attempt, row_number, phone, raw_phone, name, variables) FROM STDIN', segmentRows);
    this.errors = new CopyStream(db, 'COPY roster_errors (roster_id, attempt, row_number, raw_phone, reason) FROM STDIN', segmentRows);
  }

  async write(entries: Buffer, entryLines: number, errors: Buffer, errorLines: number): Promise<void> {
    await Promise.all([this.entries.push(entries, entryLines), this.errors.push(errors, errorLines)]);
  }

  async end(): Promise<void> {
    await Promise.all([this.entries.end(), this.errors.end()]);
  }

  async abort(): Promise<void> {
    await Promise.all([this.entries.abort(), this.errors.abort()]);
  }
}
