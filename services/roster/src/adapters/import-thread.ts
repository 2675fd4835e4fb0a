import { parentPort, workerData } from 'node:worker_threads';
import { CopyLines } from '../data/copy-text';
import { ImportFailure, type FailureReason } from '../domain/import-failure';
import { PhoneNormalizer } from '@autocall/phone';
import type { ParseCounts, RowReason, RowSink } from '../domain/roster-rows';
import { parseRoster } from './roster-parser';

/**
 * The import's parse, on its own thread (worker_threads): unzip, scan, normalise and deduplicate,
 * building COPY text that it hands to the main thread in batches. The main thread only sends those
 * to PostgreSQL, so HTTP requests keep being answered while a million rows go by, and this
 * thread's heap is capped (resourceLimits) apart from the service's.
 *
 * Protocol: this thread posts `batch` messages and waits for an `ack` once `maxInFlight` are
 * unanswered (back-pressure: the parse never runs ahead of the database); it ends with one `done`
 * or `failed` message. Of @autocall it imports only @autocall/xlsx (node: modules only; see threadScript).
 */

export interface ThreadInput {
  bytes: Uint8Array;
  rosterId: string;
  attempt: number;
  maxRows: number;
  maxColumns: number;
  maxExpandedBytes: number;
  maxUncompressedBytes: number;
  defaultRegion: string;
  allowedRegions: string[];
  /** Characters of entry COPY text per batch. */
  batchChars: number;
  /**
   * Fixed batch slots shared with the main thread (one per batch in flight), each halved into an
   * entries region and an errors region. The thread writes a batch's UTF-8 there and the main
   * thread copies it out: no buffer is allocated on one thread and freed on the other (that
   * fragmented malloc arenas: +40-50 MB RSS for a million rows).
   */
  slots: SharedArrayBuffer;
  slotBytes: number;
}

/** A batch's text: its byte length in its slot region, or its own buffer when it did not fit. */
export type BatchText = number | Uint8Array;

export type ThreadMessage =
  | { t: 'batch'; slot: number; entries: BatchText; entryLines: number; errors: BatchText; errorLines: number; counts: ParseCounts }
  | { t: 'done'; counts: ParseCounts; columns: string[] }
  | { t: 'failed'; reason: FailureReason; message: string }
  | { t: 'error'; message: string };

/** Writes s's UTF-8 into region (answers its length) or, when it does not fit, into a buffer of its own. */
function encode(s: string, region: Buffer, transfer: ArrayBuffer[]): BatchText {
  if (s.length * 3 <= region.length) return region.write(s);
  const n = Buffer.byteLength(s);
  if (n <= region.length) return region.write(s);
  const own = new Uint8Array(n);
  Buffer.from(own.buffer, 0, n).write(s);
  transfer.push(own.buffer);
  return own;
}

class BatchSink implements RowSink {
  private entries = '';
  private entryLines = 0;
  private errors = '';
  private errorLines = 0;
  private readonly free: number[];
  private waiting?: () => void;
  private readonly lines: CopyLines;
  counts?: ParseCounts;

  constructor(
    private readonly input: ThreadInput,
    private readonly post: (m: ThreadMessage, transfer: ArrayBuffer[]) => void,
  ) {
    this.lines = new CopyLines(input.rosterId, input.attempt);
    this.free = Array.from({ length: input.slots.byteLength / input.slotBytes }, (_, i) => i);
  }

  acked(slot: number): void {
    this.free.push(slot);
    const w = this.waiting;
    this.waiting = undefined;
    w?.();
  }

  entry(rowNumber: number, phone: string, rawPhone: string, name: string | null, variables: string): Promise<void> | void {
    this.entries += this.lines.entry(rowNumber, phone, rawPhone, name, variables);
    this.entryLines++;
    if (this.entries.length >= this.input.batchChars) return this.flush();
  }

  error(rowNumber: number, rawPhone: string, reason: RowReason): Promise<void> | void {
    this.errors += this.lines.error(rowNumber, rawPhone, reason);
    this.errorLines++;
    if (this.errors.length >= this.input.batchChars) return this.flush();
  }

  flush(): Promise<void> | void {
    if (this.entryLines === 0 && this.errorLines === 0) return;
    // Every slot in flight: wait for the main thread to have written one (back-pressure).
    if (this.free.length === 0) return new Promise<void>((resolve) => (this.waiting = resolve)).then(() => this.flush());
    const slot = this.free.pop() as number;
    const counts = this.counts ? { ...this.counts } : { processed: 0, total: 0, valid: 0, invalid: 0, duplicate: 0 };
    const half = this.input.slotBytes / 2;
    const base = slot * this.input.slotBytes;
    const transfer: ArrayBuffer[] = [];
    const entries = encode(this.entries, Buffer.from(this.input.slots, base, half), transfer);
    const errors = encode(this.errors, Buffer.from(this.input.slots, base + half, half), transfer);
    this.post({ t: 'batch', slot, entries, entryLines: this.entryLines, errors, errorLines: this.errorLines, counts }, transfer);
    this.entries = '';
    this.errors = '';
    this.entryLines = 0;
    this.errorLines = 0;
  }
}

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) return;
  const input = workerData as ThreadInput;
  const post = (m: ThreadMessage, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);
  const sink = new BatchSink(input, post);
  port.on('message', (m: { t: string; slot: number }) => {
    if (m.t === 'ack') sink.acked(m.slot);
  });
  try {
    const bytes = Buffer.from(input.bytes.buffer, input.bytes.byteOffset, input.bytes.byteLength);
    const phones = new PhoneNormalizer({ defaultRegion: input.defaultRegion, allowedRegions: input.allowedRegions });
    const { counts, columns } = await parseRoster(bytes, {
      maxRows: input.maxRows,
      maxColumns: input.maxColumns,
      maxExpandedBytes: input.maxExpandedBytes,
      maxUncompressedBytes: input.maxUncompressedBytes,
      phones,
      sink,
      aborted: () => false, // the main thread terminates this thread to stop it
      onProgress: (c) => (sink.counts = c),
    });
    sink.counts = counts;
    await sink.flush();
    post({ t: 'done', counts, columns });
  } catch (err) {
    if (err instanceof ImportFailure) post({ t: 'failed', reason: err.reason, message: err.message });
    else post({ t: 'error', message: (err as Error)?.message ?? String(err) });
  } finally {
    port.unref();
  }
}

void main();
