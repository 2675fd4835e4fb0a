import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { EntryWriter } from '../data/entry-writer';
import { ImportFailure } from '../domain/import-failure';
import { ImportAborted, SinkError, type ParseCounts } from '../domain/roster-rows';
import type { BatchText, ThreadInput, ThreadMessage } from './import-thread';

/** Two batches in flight, each up to 2 MiB of entry text and 2 MiB of error text. */
const SLOT_BYTES = 4 * 1024 * 1024;

/** A batch's text copied out of its slot (the thread reuses the slot once acked). */
const text = (slots: SharedArrayBuffer, base: number, t: BatchText): Buffer =>
  typeof t === 'number' ? Buffer.from(new Uint8Array(slots, base, t)) : Buffer.from(t.buffer, t.byteOffset, t.byteLength);

export interface ThreadOptions {
  maxRows: number;
  maxColumns: number;
  maxExpandedBytes: number;
  maxUncompressedBytes: number;
  defaultRegion: string;
  allowedRegions: string[];
  /** Old-generation heap cap of the import thread, MiB. */
  heapMb: number;
}

/**
 * The import thread's script. Built code runs import-thread.js, which finds @autocall/xlsx's built
 * dist/ as any package. From sources (jest) the thread compiles the TypeScript it requires with
 * @swc/core (a dev dependency), as the tests' transform does, and resolves an @autocall package to
 * its sources (its package.json `types`), as jest's moduleNameMapper does: never to a stale dist/.
 */
function threadScript(): { script: string; eval: boolean } {
  const ext = extname(__filename);
  const file = join(__dirname, `import-thread${ext}`);
  if (ext !== '.ts') return { script: file, eval: false };
  const swc = require.resolve('@swc/core');
  const options = { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' }, sourceMaps: 'inline' };
  return {
    eval: true,
    script: `const swc = require(${JSON.stringify(swc)});
const Module = require('node:module');
const { dirname, join } = require('node:path');
require.extensions['.ts'] = (m, f) => m._compile(swc.transformFileSync(f, ${JSON.stringify(options)}).code, f);
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (!/^@autocall\\/[^/]+$/.test(request)) return resolve.call(this, request, ...rest);
  const pkg = resolve.call(this, request + '/package.json', ...rest);
  return join(dirname(pkg), require(pkg).types);
};
require(${JSON.stringify(file)});`,
  };
}

/**
 * Parses an upload on a worker thread and writes what it yields through `writer`, one batch at a
 * time (the thread waits for acks: back-pressure from PostgreSQL). Resolves with the counts and
 * columns once every batch is written; rejects with ImportFailure (the file's fault), SinkError
 * (the database's), ImportAborted (when `aborted()` answers true) or another error (retry).
 */
export function parseOnThread(
  bytes: Buffer,
  ids: { rosterId: string; attempt: number },
  opts: ThreadOptions,
  writer: EntryWriter,
  hooks: { aborted: () => boolean; onProgress: (c: ParseCounts) => void },
): Promise<{ counts: ParseCounts; columns: string[] }> {
  // Hand the bytes over without a copy (their ArrayBuffer is transferred: detached here) when the
  // buffer has its memory to itself: it starts its ArrayBuffer, leaves at most 64 KiB of it
  // unused (an upload read into a buffer sized by Content-Length), and is too large to be a
  // slice of Node's shared Buffer pool. Otherwise the thread gets a copy.
  const own =
    bytes.buffer instanceof ArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength > Buffer.poolSize && bytes.buffer.byteLength - bytes.byteLength <= 64 * 1024;
  const u8 = own ? new Uint8Array(bytes.buffer, 0, bytes.byteLength) : new Uint8Array(bytes);
  const input: ThreadInput = {
    bytes: u8,
    rosterId: ids.rosterId,
    attempt: ids.attempt,
    maxRows: opts.maxRows,
    maxColumns: opts.maxColumns,
    maxExpandedBytes: opts.maxExpandedBytes,
    maxUncompressedBytes: opts.maxUncompressedBytes,
    defaultRegion: opts.defaultRegion,
    allowedRegions: opts.allowedRegions,
    batchChars: 256 * 1024,
    slots: new SharedArrayBuffer(2 * SLOT_BYTES),
    slotBytes: SLOT_BYTES,
  };
  const { script, eval: isEval } = threadScript();
  const thread = new Worker(script, {
    eval: isEval,
    workerData: input,
    transferList: [u8.buffer as ArrayBuffer],
    // A small young generation: measured 1 M rows, 4 MiB vs 16 MiB: ~25 MB less peak RSS, no slower.
    resourceLimits: { maxOldGenerationSizeMb: opts.heapMb, maxYoungGenerationSizeMb: 4 },
    stdout: false,
    stderr: false,
  });
  return new Promise((resolve, reject) => {
    let settled = false;
    let ended = false; // the thread said its last word (done / failed / error)
    let chain: Promise<void> = Promise.resolve();
    const finish = (err: unknown, result?: { counts: ParseCounts; columns: string[] }) => {
      if (settled) return;
      settled = true;
      clearInterval(watch);
      void thread.terminate();
      if (err) reject(err);
      else resolve(result as { counts: ParseCounts; columns: string[] });
    };
    const watch = setInterval(() => {
      if (hooks.aborted()) finish(new ImportAborted());
    }, 100);
    thread.on('message', (m: ThreadMessage) => {
      switch (m.t) {
        case 'batch':
          chain = chain.then(async () => {
            if (settled) return;
            if (hooks.aborted()) return finish(new ImportAborted());
            try {
              const half = SLOT_BYTES / 2;
              await writer.write(text(input.slots, m.slot * SLOT_BYTES, m.entries), m.entryLines, text(input.slots, m.slot * SLOT_BYTES + half, m.errors), m.errorLines);
            } catch (err) {
              throw new SinkError(err);
            }
            hooks.onProgress(m.counts);
            thread.postMessage({ t: 'ack', slot: m.slot });
          });
          chain.catch((err: unknown) => finish(err));
          break;
        case 'done':
          ended = true;
          chain = chain.then(() => {
            hooks.onProgress(m.counts);
            finish(undefined, { counts: m.counts, columns: m.columns });
          });
          chain.catch((err: unknown) => finish(err));
          break;
        case 'failed':
          finish(new ImportFailure(m.reason, m.message));
          break;
        case 'error':
          finish(new Error(`import thread: ${m.message}`));
          break;
      }
    });
    thread.on('error', (err: Error & { code?: string }) => {
      if (err.code === 'ERR_WORKER_OUT_OF_MEMORY') finish(new ImportFailure('ROSTER_UNREADABLE', 'The workbook needs more memory than an import may use.'));
      else finish(err);
    });
    thread.on('exit', (code) => ended || finish(new Error(`import thread exited (${code}) before it finished`)));
  });
}
