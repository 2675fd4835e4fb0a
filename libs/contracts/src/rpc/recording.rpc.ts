import { Type } from '@sinclair/typebox';
import { defineRpc, Uuid } from '../core';

/** For the task service: does the recording exist for this tenant, is it ready, how long is it. */
export const RecordingGet = defineRpc(
  'recording.get',
  1,
  Type.Object({ tenantId: Uuid, recordingId: Uuid }),
  Type.Object({ found: Type.Boolean(), status: Type.Optional(Type.String()), durationMs: Type.Optional(Type.Integer()), name: Type.Optional(Type.String()) }),
);

/**
 * Records that a task uses the recording (in the recording schema); the delete transaction checks
 * it. Answers an AppError RECORDING_NOT_FOUND (422) when the recording is not this tenant's.
 * Idempotent per (recording, task).
 */
export const RecordingReserve = defineRpc('recording.reserve', 1, Type.Object({ tenantId: Uuid, recordingId: Uuid, taskId: Uuid }), Type.Object({ ok: Type.Boolean() }));
export const RecordingRelease = defineRpc('recording.release', 1, Type.Object({ tenantId: Uuid, taskId: Uuid }), Type.Object({ ok: Type.Boolean() }));

/**
 * Internal HTTP (not behind the gateway): GET {RECORDING_URL}/internal/recordings/:id/rendition
 * with headers x-internal-token and x-autocall-tenant-id → 200 audio/basic (8 kHz mono μ-law bytes).
 */
export const RECORDING_RENDITION_PATH = '/internal/recordings/:id/rendition';
