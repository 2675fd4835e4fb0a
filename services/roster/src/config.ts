import { configSchema, Type } from '@autocall/config';

export const rosterConfigSchema = configSchema({
  /** HTTP port of the roster service (internal). */
  ROSTER_PORT: Type.Integer({ default: 3002 }),
  /** Largest accepted upload in bytes (50 MiB); over it the upload answers 413. */
  ROSTER_MAX_BYTES: Type.Integer({ minimum: 1024, default: 50 * 1024 * 1024 }),
  /** Most non-blank data rows a roster may have (Excel's limit less the header row). */
  ROSTER_MAX_ROWS: Type.Integer({ minimum: 1, default: 1_048_575 }),
  /** Most columns a roster may have (non-empty header cells, the phone one included); more → failed ROSTER_TOO_MANY_COLUMNS. */
  ROSTER_MAX_COLUMNS: Type.Integer({ minimum: 2, maximum: 16384, default: 50 }),
  /** Text a roster may expand to, counted while parsing: cells as read (a shared string at each reference) and entries' variables JSON; more → failed ROSTER_TOO_LARGE. */
  ROSTER_MAX_EXPANDED_BYTES: Type.Integer({ minimum: 1024, default: 1024 * 1024 * 1024 }),
  /** Zip-bomb guard: most bytes the zip directory may announce once decompressed (all parts). */
  ROSTER_MAX_UNCOMPRESSED_BYTES: Type.Integer({ minimum: 1024, default: 1024 * 1024 * 1024 }),
  /** Zip-bomb guard: highest decompressed/compressed ratio of any part larger than 1 MiB. */
  ROSTER_MAX_COMPRESSION_RATIO: Type.Number({ minimum: 1, default: 100 }),
  /** Region (ISO 3166 alpha-2) a number without a country code belongs to. */
  ROSTER_DEFAULT_REGION: Type.String({ pattern: '^[A-Z]{2}$', default: 'ID' }),
  /** Comma-separated regions whose numbers are accepted; valid numbers elsewhere are FOREIGN_NUMBER. */
  ROSTER_ALLOWED_REGIONS: Type.String({ pattern: '^[A-Z]{2}(,[A-Z]{2})*$', default: 'ID' }),
  /** How long an import job's claim lasts without a heartbeat before another replica takes it over. */
  ROSTER_IMPORT_LEASE_MS: Type.Integer({ minimum: 500, default: 30_000 }),
  /** How often an idle replica looks for import jobs (uploads on this replica start at once). */
  ROSTER_IMPORT_POLL_MS: Type.Integer({ minimum: 50, default: 1_000 }),
  /** Attempts of one import (crashes, database errors) before the roster is failed. */
  ROSTER_IMPORT_MAX_ATTEMPTS: Type.Integer({ minimum: 1, default: 5 }),
  /** Rows per COPY statement while importing (each segment commits on its own). */
  ROSTER_IMPORT_COPY_ROWS: Type.Integer({ minimum: 100, default: 100_000 }),
  /** Heap cap (old generation, MiB) of the worker thread that parses an import; over it the roster fails ROSTER_UNREADABLE. */
  ROSTER_IMPORT_THREAD_HEAP_MB: Type.Integer({ minimum: 32, default: 128 }),
  /** Longest a `POST /v1/rosters?wait=true` waits before answering 202 anyway. */
  ROSTER_WAIT_TIMEOUT_MS: Type.Integer({ minimum: 100, default: 120_000 }),
});
export type RosterConfig = import('@autocall/config').Static<typeof rosterConfigSchema>;
