import type { PoolClient } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import type { DataSource } from 'typeorm';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');

/**
 * Copies a one-column binary COPY stream of bytea values into `out`, back to back: the bytes go
 * from the socket's chunks straight into `out` (no message buffers the size of a part, no hex
 * text). Format: signature, flags, header extension, then per tuple int16 field count, int32
 * length, the bytes; -1 as field count ends it.
 */
class BinaryCopySink {
  private header = Buffer.alloc(0);
  private headerDone = false;
  /** Bytes of the current value still to copy; -1 between values (reading a tuple head). */
  private left = -1;
  private head = Buffer.alloc(6);
  private headLen = 0;
  ended = false;
  written = 0;

  constructor(private readonly out: Buffer) {}

  push(chunk: Buffer): void {
    let p = 0;
    if (!this.headerDone) {
      this.header = Buffer.concat([this.header, chunk]);
      if (this.header.length < 19) return;
      if (!this.header.subarray(0, 11).equals(SIGNATURE)) throw new Error('the stored upload is not a binary COPY stream');
      const ext = this.header.readUInt32BE(15);
      if (this.header.length < 19 + ext) return;
      chunk = this.header.subarray(19 + ext);
      this.header = Buffer.alloc(0);
      this.headerDone = true;
    }
    while (p < chunk.length) {
      if (this.ended) throw new Error('data after the end of the stored upload');
      if (this.left < 0) {
        // Tuple head: int16 field count (1, or -1 at the end) and int32 length.
        const n = Math.min(chunk.length - p, (this.headLen < 2 ? 2 : 6) - this.headLen);
        chunk.copy(this.head, this.headLen, p, p + n);
        this.headLen += n;
        p += n;
        if (this.headLen === 2 && this.head.readInt16BE(0) === -1) {
          this.ended = true;
          this.headLen = 0;
          continue;
        }
        if (this.headLen < 6) continue;
        if (this.head.readInt16BE(0) !== 1) throw new Error('unexpected column count in the stored upload');
        const len = this.head.readInt32BE(2);
        if (len < 0 || this.written + len > this.out.length) throw new Error('the stored upload changed while it was read');
        this.left = len;
        this.headLen = 0;
      }
      const n = Math.min(chunk.length - p, this.left);
      chunk.copy(this.out, this.written, p, p + n);
      this.written += n;
      this.left -= n;
      p += n;
      if (this.left === 0) this.left = -1;
    }
  }
}

/**
 * The stored upload in one buffer that owns its memory (handed to the import thread without a
 * copy). Read with a binary COPY: a SELECT would bring each bytea back as hex text, twice its
 * size, in message buffers the size of the part: for a 30 MB file ~100 MB of V8 strings and
 * malloc'd buffers the main thread kept (and the allocator did not give back) all through the
 * import.
 */
export async function readUpload(db: DataSource, rosterId: string): Promise<Buffer | undefined> {
  if (!UUID.test(rosterId)) throw new Error('bad roster id');
  const runner = db.createQueryRunner();
  let broken = false;
  try {
    const client = (await runner.connect()) as PoolClient;
    const sizes = await client.query<{ n: string | null; parts: string }>(
      `SELECT sum(octet_length(bytes))::bigint AS n, count(*) AS parts FROM roster_upload_parts WHERE roster_id = $1`,
      [rosterId],
    );
    if (Number(sizes.rows[0]?.parts ?? 0) === 0) return undefined;
    const out = Buffer.alloc(Number(sizes.rows[0].n ?? 0));
    const sink = new BinaryCopySink(out);
    // COPY takes no parameters: the id is a checked UUID literal.
    const stream = client.query(copyTo(`COPY (SELECT bytes FROM roster_upload_parts WHERE roster_id = '${rosterId}' ORDER BY seq) TO STDOUT (FORMAT binary)`));
    broken = true;
    for await (const chunk of stream as AsyncIterable<Buffer>) sink.push(chunk);
    broken = false;
    if (!sink.ended || sink.written !== out.length) throw new Error('the stored upload changed while it was read');
    return out;
  } finally {
    // A COPY cut off mid-stream leaves the connection unusable: drop it rather than pool it.
    const r = runner as unknown as { releasePostgresConnection?(err: Error): Promise<void> };
    if (broken && r.releasePostgresConnection) await r.releasePostgresConnection(new Error('copy aborted')).catch(() => undefined);
    else await runner.release();
  }
}
