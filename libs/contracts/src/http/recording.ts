import { Type, type Static } from '@sinclair/typebox';
import { DateTime, defineRoutes, IdParams, Page, PageQuery, Problem, Uuid } from '../core';

/** A recording's name: 1–100 characters. */
export const RecordingName = Type.String({ minLength: 1, maxLength: 100 });

export const Recording = Type.Object(
  {
    id: Uuid,
    name: Type.String(),
    /** The uploaded file's base name: metadata only, never a path. */
    fileName: Type.String(),
    sizeBytes: Type.Integer(),
    /** Counted from the MPEG audio frames, not taken from a header. */
    durationMs: Type.Integer(),
    bitrateKbps: Type.Integer(),
    sampleRateHz: Type.Integer(),
    channels: Type.Integer(),
    status: Type.Literal('ready'),
    createdAt: DateTime,
    updatedAt: DateTime,
  },
  { $id: 'Recording' },
);

export const UpdateRecording = Type.Object({ name: RecordingName }, { additionalProperties: false });

const problems = { 400: Problem, 404: Problem };

export const recordingRoutes = defineRoutes({
  createRecording: {
    method: 'POST', url: '/v1/recordings', operationId: 'createRecording', summary: 'Upload an MP3 recording (multipart)', tags: ['Recordings'],
    multipart: {
      file: { type: 'file', required: true, description: 'The MP3. Its bytes decide, never its name or MIME type.' },
      name: { type: 'string', description: '1–100 characters; defaults to the file name without extension.' },
    },
    schema: { response: { 201: Recording, 400: Problem, 413: Problem, 415: Problem, 422: Problem } },
  },
  listRecordings: {
    method: 'GET', url: '/v1/recordings', operationId: 'listRecordings', summary: 'List recordings (newest first)', tags: ['Recordings'],
    schema: {
      querystring: Type.Object({ ...PageQuery, name: Type.Optional(Type.String({ maxLength: 100 })) }, { additionalProperties: false }),
      response: { 200: Page(Recording), 400: Problem },
    },
  },
  getRecording: {
    method: 'GET', url: '/v1/recordings/:id', operationId: 'getRecording', summary: 'Get a recording', tags: ['Recordings'],
    schema: { params: IdParams, response: { 200: Recording, ...problems } },
  },
  getRecordingAudio: {
    method: 'GET', url: '/v1/recordings/:id/audio', operationId: 'getRecordingAudio', summary: 'Download the original MP3 (Range supported)', tags: ['Recordings'],
    produces: ['audio/mpeg'],
    schema: { params: IdParams, response: { ...problems, 416: Problem } },
  },
  updateRecording: {
    method: 'PATCH', url: '/v1/recordings/:id', operationId: 'updateRecording', summary: 'Rename a recording', tags: ['Recordings'],
    schema: { params: IdParams, body: UpdateRecording, response: { 200: Recording, ...problems } },
  },
  deleteRecording: {
    method: 'DELETE', url: '/v1/recordings/:id', operationId: 'deleteRecording', summary: 'Delete a recording (409 while a task uses it)', tags: ['Recordings'],
    schema: { params: IdParams, response: { 204: Type.Null(), ...problems, 409: Problem } },
  },
});

/** The response bodies, as the schemas above say (a view built by hand beside them would drift). */
export type Recording = Static<typeof Recording>;
