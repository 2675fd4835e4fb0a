import { Type } from '@sinclair/typebox';
import { defineEvent, Uuid } from '../core';

export const RecordingCreated = defineEvent('recording.created', 1, Type.Object({ tenantId: Uuid, recordingId: Uuid, durationMs: Type.Integer() }));
export const RecordingDeleted = defineEvent('recording.deleted', 1, Type.Object({ tenantId: Uuid, recordingId: Uuid }));
