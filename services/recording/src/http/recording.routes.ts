import { recordingRoutes as r, AppError, invalidField, RECORDING_RENDITION_PATH, IdParams } from '@autocall/contracts';
import { commonMultipartProblem, route, tenantOf, type App } from '@autocall/http';
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { recordingErrors } from '../domain/errors';
import { cleanFileName } from '../domain/recording';
import type { RecordingService } from '../usecases/recording.service';

const unknownField = (field: string) => invalidField(field, 'is not a known field');

/** @fastify/multipart and busboy errors as the API's problems. */
function multipartProblem(err: unknown, maxBytes: number): unknown {
  if (err instanceof AppError) return err;
  const code = String((err as { code?: unknown }).code ?? '');
  switch (code) {
    case 'FST_REQ_FILE_TOO_LARGE':
      return recordingErrors.PAYLOAD_TOO_LARGE(`The file is over RECORDING_MAX_BYTES (${maxBytes} bytes).`);
    case 'FST_FILES_LIMIT':
      return recordingErrors.RECORDING_TOO_MANY_FILES();
    default:
      return commonMultipartProblem(err, '"file" and optionally "name"') ?? err;
  }
}

/** Reads the multipart body: exactly one `file`, an optional `name`, in any order; nothing else. */
async function readUpload(req: FastifyRequest, maxBytes: number): Promise<{ bytes: Buffer; fileName: string; name?: string }> {
  if (!req.isMultipart()) throw recordingErrors.NOT_MULTIPART();
  let file: { bytes: Buffer; fileName: string } | undefined;
  let name: string | undefined;
  try {
    for await (const part of req.parts()) {
      if (part.type === 'file') {
        if (part.fieldname !== 'file') throw unknownField(part.fieldname);
        if (file) throw recordingErrors.RECORDING_TOO_MANY_FILES();
        file = { bytes: await part.toBuffer(), fileName: cleanFileName(part.filename) };
      } else {
        if (part.fieldname !== 'name') throw unknownField(part.fieldname);
        if (name !== undefined) throw invalidField('name', 'must be sent once');
        if (part.valueTruncated) throw invalidField('name', 'must be 1–100 characters');
        name = String(part.value);
      }
    }
  } catch (err) {
    throw multipartProblem(err, maxBytes);
  }
  if (!file) throw recordingErrors.RECORDING_FILE_MISSING();
  return { ...file, name };
}

const asciiFallback = (s: string) => s.replace(/[^\x20-\x7e]|["\\]/g, '_');

export function recordingHttpRoutes(app: App, recordings: RecordingService, maxBytes: number) {
  route(app, r.createRecording, async (req, reply) => {
    const tenantId = tenantOf(req);
    const upload = await readUpload(req, maxBytes);
    const rec = await recordings.create(tenantId, upload, req.id);
    return reply.code(201).header('location', `/v1/recordings/${rec.id}`).send(rec);
  });
  route(app, r.listRecordings, (req) => recordings.list(tenantOf(req), req.query));
  route(app, r.getRecording, (req) => recordings.get(tenantOf(req), req.params.id));
  route(app, r.updateRecording, (req) => recordings.rename(tenantOf(req), req.params.id, req.body.name));
  route(app, r.deleteRecording, async (req, reply) => {
    await recordings.remove(tenantOf(req), req.params.id, req.id);
    return reply.code(204).send();
  });
  route(app, r.getRecordingAudio, async (req, reply) => {
    const read = await recordings.audio(tenantOf(req), req.params.id, req.headers.range);
    reply.header('accept-ranges', 'bytes');
    if (read.unsatisfiable) {
      reply.header('content-range', `bytes */${read.size}`);
      throw recordingErrors.RANGE_NOT_SATISFIABLE();
    }
    const fileName = read.fileName || 'recording.mp3';
    reply
      .header('content-type', 'audio/mpeg')
      .header('x-content-type-options', 'nosniff')
      .header('content-disposition', `inline; filename="${asciiFallback(fileName)}"; filename*=UTF-8''${encodeURIComponent(fileName)}`)
      .header('content-length', read.bytes.length);
    if (read.range) reply.code(206).header('content-range', `bytes ${read.range.start}-${read.range.end}/${read.size}`);
    return reply.send(read.bytes);
  });
}

/** Not behind the gateway: the dialer fetches a rendition's bytes (internal token + tenant header). */
export function internalRoutes(app: App, recordings: RecordingService) {
  app.route({
    method: 'GET',
    url: RECORDING_RENDITION_PATH,
    schema: {
      params: IdParams,
      querystring: Type.Object({ encoding: Type.Optional(Type.Union([Type.Literal('ulaw'), Type.Literal('alaw')])) }, { additionalProperties: false }),
    },
    handler: async (req: FastifyRequest<{ Params: { id: string }; Querystring: { encoding?: 'ulaw' | 'alaw' } }>, reply) => {
      const encoding = req.query.encoding ?? 'ulaw';
      const bytes = await recordings.rendition(tenantOf(req), req.params.id, encoding);
      return reply
        .header('content-type', encoding === 'alaw' ? 'audio/x-alaw-basic' : 'audio/basic')
        .header('content-length', bytes.length)
        .send(bytes);
    },
  });
}
