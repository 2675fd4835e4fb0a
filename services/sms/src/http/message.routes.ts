import { smsRoutes as r } from '@autocall/contracts';
import { route, tenantOf, type App } from '@autocall/http';
import type { FollowUpService } from '../usecases/follow-up.service';

export function messageRoutes(app: App, followUps: FollowUpService) {
  route(app, r.listMessages, (req) => followUps.list(tenantOf(req), req.query));
}
