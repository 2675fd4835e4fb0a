import { hostname } from 'node:os';
import { configSchema, Type } from '@autocall/config';

export const dialerConfigSchema = configSchema({
  /** HTTP port of the dialer service (internal). */
  DIALER_PORT: Type.Integer({ default: 3005 }),
  /** Which carrier places calls: the built-in simulated one, or a real SIP trunk. */
  CARRIER: Type.Union([Type.Literal('simulated'), Type.Literal('sip')], { default: 'simulated' }),
  /** Simulated carrier: 1 = real ring and talk times, 0.1 = ten times faster, 0 = instant. */
  SIM_TIME_SCALE: Type.Number({ minimum: 0, default: 1 }),
  /** Simulated carrier: calls this process holds at once. */
  SIM_MAX_CHANNELS: Type.Integer({ minimum: 1, default: 1000 }),
  /** This replica's name in claims (claimed_by); unique per process. */
  DIALER_ID: Type.String({ minLength: 1, default: `${hostname()}-${process.pid}` }),
  /** How often an idle dialer looks for due attempts (ms); work found is claimed without waiting. */
  DIALER_TICK_MS: Type.Integer({ minimum: 5, default: 100 }),
  /** Most attempts claimed by one claim statement. */
  DIALER_CLAIM_BATCH: Type.Integer({ minimum: 1, maximum: 10000, default: 500 }),
  /** Lease on a claimed attempt (ms): renewed while the call runs; expired means its replica died. */
  DIALER_LEASE_MS: Type.Integer({ minimum: 500, default: 30000 }),
  /** How often expired leases are settled and unfinished roster loads resumed (ms). */
  DIALER_SWEEP_MS: Type.Integer({ minimum: 100, default: 5000 }),
  /** Roster entries fetched per roster.entries.page RPC. */
  DIALER_ROSTER_PAGE_SIZE: Type.Integer({ minimum: 1, maximum: 10000, default: 5000 }),
  /** Timeout of one roster.entries.page RPC (ms). */
  DIALER_ROSTER_RPC_TIMEOUT_MS: Type.Integer({ minimum: 100, default: 15000 }),
  /** First delay before an attempt the carrier did not place (nothing sent: no channel, no RTP port, recording not loaded) is dialled again (ms); doubles per try. */
  DIALER_NOT_PLACED_BACKOFF_MS: Type.Integer({ minimum: 10, default: 2000 }),
  /** Longest delay before an unplaced attempt is dialled again (ms). */
  DIALER_NOT_PLACED_MAX_BACKOFF_MS: Type.Integer({ minimum: 10, default: 120000 }),
  /** Failed unplaced tries (nothing sent: recording not loaded, carrier not set up) after which an attempt is settled final as failed, reason `not placed: <last reason>`, so the task can drain; waiting for a free channel or RTP port, or for a hold's release, never ends one. */
  DIALER_NOT_PLACED_MAX_TRIES: Type.Integer({ minimum: 1, default: 10 }),
  /** Do-not-call list: region (ISO 3166 alpha-2) a number without a country code belongs to; set it as ROSTER_DEFAULT_REGION, so a roster's numbers read the same here. */
  DNC_DEFAULT_REGION: Type.String({ pattern: '^[A-Z]{2}$', default: 'ID' }),
  /** Do-not-call list: comma-separated regions whose numbers may be listed (others: 400 INVALID_PHONE); set it as ROSTER_ALLOWED_REGIONS. */
  DNC_ALLOWED_REGIONS: Type.String({ pattern: '^[A-Z]{2}(,[A-Z]{2})*$', default: 'ID' }),
  /** Largest `POST /v1/dnc/import` upload (bytes); over it 413. */
  DNC_IMPORT_MAX_BYTES: Type.Integer({ minimum: 1024, default: 50 * 1024 * 1024 }),
  /** Zip-bomb guard of the import: most bytes its parts may decompress to (checked on the directory and while inflating); over it 422 DNC_IMPORT_TOO_LARGE. */
  DNC_IMPORT_MAX_UNCOMPRESSED_BYTES: Type.Integer({ minimum: 1024, default: 1024 * 1024 * 1024 }),
  /** Zip-bomb guard of the import: highest decompressed/compressed ratio of a part over 1 MiB. */
  DNC_IMPORT_MAX_COMPRESSION_RATIO: Type.Number({ minimum: 1, default: 100 }),
  /** Text an import's cells may expand to, counted as they are read (a shared string at each reference); over it 422 DNC_IMPORT_TOO_LARGE. */
  DNC_IMPORT_MAX_EXPANDED_BYTES: Type.Integer({ minimum: 1024, default: 512 * 1024 * 1024 }),
  /** The recording service's internal base URL, for the μ-law rendition the SIP carrier plays. */
  RECORDING_URL: Type.String({ default: 'http://127.0.0.1:3003' }),
  /** SIP carrier: the trunk's host name or IP (required with CARRIER=sip). */
  SIP_TRUNK_HOST: Type.Optional(Type.String()),
  /** SIP carrier: the trunk's UDP port. */
  SIP_TRUNK_PORT: Type.Integer({ default: 5060 }),
  /** SIP carrier: digest user name, when the trunk challenges. */
  SIP_USERNAME: Type.Optional(Type.String()),
  /** SIP carrier: digest password (never logged). */
  SIP_PASSWORD: Type.Optional(Type.String()),
  /** SIP carrier: our identity, a SIP URI or its user part (required with CARRIER=sip). */
  SIP_FROM: Type.Optional(Type.String()),
  /** SIP carrier: local UDP port for SIP; 0 picks one. */
  SIP_LOCAL_PORT: Type.Integer({ minimum: 0, default: 5060 }),
  /** SIP carrier: lowest RTP port. */
  RTP_PORT_MIN: Type.Integer({ minimum: 1024, default: 10000 }),
  /** SIP carrier: highest RTP port. */
  RTP_PORT_MAX: Type.Integer({ maximum: 65535, default: 20000 }),
  /** SIP carrier: calls this process holds at once. */
  SIP_MAX_CHANNELS: Type.Integer({ minimum: 1, default: 200 }),
  /** SIP carrier: pace and send RTP in a worker thread (one for all calls), away from the main thread's stalls; false = on the main thread. */
  SIP_RTP_WORKER: Type.Boolean({ default: true }),
  /** SIP carrier: listen to early media and the first 3 s after an answer for SIT tones and operator announcements; false = SIP codes only. */
  SIP_AUDIO_ANALYSIS: Type.Boolean({ default: true }),
  /** SIP carrier, tasks with dialing.amd: ms of the callee's audio after the answer within which answering-machine detection decides; undecided then: answeredBy unknown. */
  AMD_MAX_MS: Type.Integer({ minimum: 1000, maximum: 30000, default: 5000 }),
  /** SIP carrier: outbound proxy (`host[:port]` or SIP URI) every request goes through. */
  SIP_OUTBOUND_PROXY: Type.Optional(Type.String()),
});
export type DialerConfig = import('@autocall/config').Static<typeof dialerConfigSchema>;
