import { smsRoutes as r } from '@autocall/contracts';
import { route, type App } from '@autocall/http';
import type { FastifyRequest } from 'fastify';
import { smsErrors } from '../domain/errors';
import type { TemplateService } from '../usecases/template.service';

function adminOnly(req: FastifyRequest) {
  if (!req.isAdmin) throw smsErrors.ADMIN_ONLY();
}

export function adminRoutes(app: App, templates: TemplateService) {
  route(app, r.adminListTemplates, (req) => {
    adminOnly(req);
    return templates.adminList(req.query);
  });
  route(app, r.adminApproveTemplate, (req) => {
    adminOnly(req);
    return templates.decide(req.params.id, 'approved', null, req.id);
  });
  route(app, r.adminRejectTemplate, (req) => {
    adminOnly(req);
    return templates.decide(req.params.id, 'rejected', req.body?.reason ?? null, req.id);
  });
}
