import multipart from '@fastify/multipart';
import { invalidField, rosterRoutes as r } from '@autocall/contracts';
import { commonMultipartProblem, fileBytes, route, tenantOf, type App } from '@autocall/http';
import type { FastifyRequest } from 'fastify';
import { rosterErrors } from '../domain/errors';
import type { RosterService } from '../usecases/roster.service';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** Reads the multipart body (parts in any order): the file into memory (capped), the text fields. */
async function readUpload(req: FastifyRequest, maxBytes: number) {
  if (!req.isMultipart()) throw rosterErrors.NOT_MULTIPART();
  let bytes: Buffer | undefined;
  let fileName = 'roster.xlsx';
  const fields: Record<string, string> = Object.create(null) as Record<string, string>;
  try {
    for await (const part of req.parts({ limits: { fileSize: maxBytes, files: 1, fields: 4, fieldSize: 4096, parts: 6, fieldNameSize: 100, headerPairs: 100 } })) {
      if (part.type === 'file') {
        if (part.fieldname !== 'file') {
          part.file.resume();
          throw invalidField(part.fieldname, 'is not a known field');
        }
        bytes = await fileBytes(part.file, Number(req.headers['content-length']) || 0, maxBytes);
        if (part.filename) fileName = part.filename.slice(0, 255);
      } else {
        if (part.fieldname !== 'name' && part.fieldname !== 'description') throw invalidField(part.fieldname, 'is not a known field');
        if (part.fieldname in fields) throw invalidField(part.fieldname, 'is given more than once');
        fields[part.fieldname] = String(part.value);
      }
    }
  } catch (err) {
    // a second file, too many fields or parts: the client's mistake (400), not a size problem (413)
    if ((err as { code?: unknown }).code === 'FST_FILES_LIMIT') throw rosterErrors.ROSTER_TOO_MANY_FILES();
    throw commonMultipartProblem(err, '"file", "name" and optionally "description"') ?? err;
  }
  const name = fields.name;
  if (name === undefined) throw invalidField('name', "must have required property 'name'");
  if (name.length < 1 || name.length > 100) throw invalidField('name', 'must be 1–100 characters');
  const description = fields.description ?? null;
  if (description !== null && description.length > 500) throw invalidField('description', 'must be at most 500 characters');
  if (!bytes) throw rosterErrors.ROSTER_FILE_MISSING();
  return { name, description, fileName, bytes };
}

export function rosterHttpRoutes(app: App, rosters: RosterService, opts: { maxBytes: number; waitTimeoutMs: number; template: () => Promise<Buffer> }) {
  // Multipart only for the upload route's own limits (set per request below); generous
  // plugin-level caps still apply to any other multipart request.
  void app.register(multipart, { limits: { fileSize: opts.maxBytes, files: 1, fields: 4, fieldSize: 4096, parts: 6 } });

  route(app, r.getTemplate, async (_req, reply) =>
    reply.type(XLSX).header('content-disposition', 'attachment; filename="roster-template.xlsx"').send(await opts.template()),
  );
  route(
    app,
    r.createRoster,
    async (req, reply) => {
      const upload = await readUpload(req, opts.maxBytes);
      const tenantId = tenantOf(req);
      let roster = await rosters.create(tenantId, upload, req.id);
      reply.header('location', `/v1/rosters/${roster.id}`);
      if (req.query.wait) {
        roster = await rosters.waitForEnd(tenantId, roster.id, opts.waitTimeoutMs);
        return reply.code(roster.status === 'validating' ? 202 : 201).send(roster);
      }
      return reply.code(202).send(roster);
    },
    { bodyLimit: opts.maxBytes + 1024 * 1024 },
  );
  route(app, r.listRosters, (req) => rosters.list(tenantOf(req), req.query));
  route(app, r.getRoster, (req) => rosters.get(tenantOf(req), req.params.id));
  route(app, r.listEntries, (req) => rosters.entries(tenantOf(req), req.params.id, req.query));
  route(app, r.listErrors, async (req, reply) => {
    if (req.query.format === 'xlsx') {
      const { fileName, stream } = await rosters.errorsXlsx(tenantOf(req), req.params.id);
      return reply.type(XLSX).header('content-disposition', `attachment; filename="${fileName}"`).send(stream);
    }
    return rosters.errors(tenantOf(req), req.params.id, req.query);
  });
  route(app, r.updateRoster, (req) => rosters.update(tenantOf(req), req.params.id, req.body));
  route(app, r.deleteRoster, async (req, reply) => {
    await rosters.remove(tenantOf(req), req.params.id, req.id);
    return reply.code(204).send();
  });
}
