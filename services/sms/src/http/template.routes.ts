import { smsRoutes as r } from '@autocall/contracts';
import { route, tenantOf, type App } from '@autocall/http';
import type { TemplateService } from '../usecases/template.service';

export function templateRoutes(app: App, templates: TemplateService) {
  route(app, r.createTemplate, async (req, reply) => {
    const t = await templates.create(tenantOf(req), req.body, req.id);
    return reply.code(201).header('location', `/v1/sms-templates/${t.id}`).send(t);
  });
  route(app, r.listTemplates, (req) => templates.list(tenantOf(req), req.query));
  route(app, r.getTemplate, (req) => templates.get(tenantOf(req), req.params.id));
  route(app, r.updateTemplate, (req) => templates.update(tenantOf(req), req.params.id, req.body, req.id));
  route(app, r.deleteTemplate, async (req, reply) => {
    await templates.remove(tenantOf(req), req.params.id, req.id);
    return reply.code(204).send();
  });
  route(app, r.previewTemplate, (req) => templates.preview(tenantOf(req), req.params.id, req.body.variables ?? {}));
}
