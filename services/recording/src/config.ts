import { configSchema, Type } from '@autocall/config';

export const recordingConfigSchema = configSchema({
  /** HTTP port of the recording service (internal). */
  RECORDING_PORT: Type.Integer({ default: 3003 }),
  /** Largest accepted upload in bytes (default 20 MiB); a larger file answers 413. */
  RECORDING_MAX_BYTES: Type.Integer({ minimum: 1, default: 20 * 1024 * 1024 }),
  /** Longest accepted recording in seconds, counted from its MPEG frames; longer answers 422 RECORDING_TOO_LONG. */
  RECORDING_MAX_SECONDS: Type.Number({ exclusiveMinimum: 0, default: 600 }),
});
export type RecordingConfig = import('@autocall/config').Static<typeof recordingConfigSchema>;
