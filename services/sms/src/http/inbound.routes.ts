import { smsRoutes as r } from '@autocall/contracts';
import { route, tenantOf, type App } from '@autocall/http';
import { smsErrors } from '../domain/errors';
import type { AccountService } from '../usecases/account.service';
import type { InboundService } from '../usecases/inbound.service';

export function inboundRoutes(app: App, accounts: AccountService, inbound: InboundService) {
  route(app, r.listInbound, (req) => inbound.list(tenantOf(req), req.query));
  route(app, r.simulateInbound, async (req) => {
    const account = await accounts.find(tenantOf(req));
    if (!account || account.provider !== 'simulated') throw smsErrors.SIMULATED_PROVIDER_ONLY();
    return inbound.receive(account, { from: req.body.from, text: req.body.text, at: new Date().toISOString() }, req.id);
  });
}
