import { eventsRoutes as r } from '@autocall/contracts';
import { route, tenantOf, type App } from '@autocall/http';
import type { WebhookService } from '../usecases/webhook.service';

export function webhookRoutes(app: App, webhooks: WebhookService) {
  route(app, r.createWebhook, async (req, reply) => {
    const w = await webhooks.create(tenantOf(req), req.body);
    return reply.code(201).header('location', `/v1/webhooks/${w.id}`).send(w);
  });
  route(app, r.listWebhooks, (req) => webhooks.list(tenantOf(req), req.query));
  route(app, r.getWebhook, (req) => webhooks.get(tenantOf(req), req.params.id));
  route(app, r.updateWebhook, (req) => webhooks.update(tenantOf(req), req.params.id, req.body));
  route(app, r.deleteWebhook, async (req, reply) => {
    await webhooks.remove(tenantOf(req), req.params.id);
    return reply.code(204).send();
  });
  route(app, r.rotateWebhookSecret, (req) => webhooks.rotateSecret(tenantOf(req), req.params.id));
  route(app, r.testWebhook, async (req, reply) => reply.code(202).send(await webhooks.test(tenantOf(req), req.params.id)));
  route(app, r.listWebhookDeliveries, (req) => webhooks.deliveries(tenantOf(req), req.params.id, req.query));
  route(app, r.redeliverWebhookDelivery, async (req, reply) => reply.code(202).send(await webhooks.redeliver(tenantOf(req), req.params.id, req.params.deliveryId)));
}
