import multipart from '@fastify/multipart';
import { invalidField, policyRoutes as r } from '@autocall/contracts';
import { commonMultipartProblem, fileBytes, route, tenantOf, type App } from '@autocall/http';
import type { FastifyRequest } from 'fastify';
import { dialerErrors } from '../domain/errors';
import type { TenantCalendar } from '../usecases/calendar';
import type { ContactPolicy } from '../usecases/contact-policy';
import type { DncList } from '../usecases/dnc';

/** The import's one `file` part, in memory, capped at `maxBytes` (413 over it). */
async function readImport(req: FastifyRequest, maxBytes: number): Promise<Buffer> {
  if (!req.isMultipart()) throw dialerErrors.DNC_IMPORT_NOT_MULTIPART();
  let bytes: Buffer | undefined;
  try {
    for await (const part of req.parts({ limits: { fileSize: maxBytes, files: 1, fields: 2, fieldSize: 1024, parts: 3, fieldNameSize: 100, headerPairs: 100 } })) {
      if (part.type !== 'file' || part.fieldname !== 'file') {
        if (part.type === 'file') part.file.resume();
        throw invalidField(part.fieldname, 'is not a known field');
      }
      bytes = await fileBytes(part.file, Number(req.headers['content-length']) || 0, maxBytes);
    }
  } catch (err) {
    if ((err as { code?: unknown }).code === 'FST_FILES_LIMIT') throw dialerErrors.DNC_IMPORT_TOO_MANY_FILES();
    throw commonMultipartProblem(err, '"file"') ?? err;
  }
  if (!bytes) throw dialerErrors.DNC_IMPORT_FILE_MISSING();
  return bytes;
}

/** The do-not-call list, the calendar and the contact policy: parse → one use case → reply. */
export function policyHttpRoutes(app: App, dnc: DncList, calendar: TenantCalendar, contactPolicy: ContactPolicy, opts: { maxImportBytes: number }) {
  void app.register(multipart, { limits: { fileSize: opts.maxImportBytes, files: 1, fields: 2, fieldSize: 1024, parts: 3 } });

  route(app, r.addDnc, async (req, reply) => {
    const { created, entry } = await dnc.add(tenantOf(req), { phone: req.body.phone, reason: req.body.reason, source: 'api', createdBy: req.actorId || null });
    if (!created) return reply.code(200).send(entry);
    return reply.code(201).header('location', `/v1/dnc/${entry.phone}`).send(entry);
  });
  route(app, r.importDnc, async (req) => dnc.import(tenantOf(req), await readImport(req, opts.maxImportBytes), req.actorId || null), { bodyLimit: opts.maxImportBytes + 1024 * 1024 });
  route(app, r.listDnc, (req) => dnc.list(tenantOf(req), req.query));
  route(app, r.getDnc, (req) => dnc.get(tenantOf(req), req.params.phone));
  route(app, r.removeDnc, async (req, reply) => {
    await dnc.remove(tenantOf(req), req.params.phone);
    return reply.code(204).send();
  });
  route(app, r.getCalendar, (req) => calendar.get(tenantOf(req)));
  route(app, r.putCalendar, (req) => calendar.put(tenantOf(req), req.body.blackouts, req.id));
  route(app, r.getContactPolicy, (req) => contactPolicy.get(tenantOf(req)));
  route(app, r.putContactPolicy, (req) => contactPolicy.put(tenantOf(req), req.body, req.id));
}
