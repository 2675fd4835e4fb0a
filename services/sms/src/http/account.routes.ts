import { smsRoutes as r } from '@autocall/contracts';
import { route, tenantOf, type App } from '@autocall/http';
import type { AccountService } from '../usecases/account.service';

export function accountRoutes(app: App, accounts: AccountService) {
  route(app, r.getAccount, (req) => accounts.get(tenantOf(req)));
  route(app, r.putAccount, (req) => accounts.put(tenantOf(req), req.body));
  route(app, r.rotateCallbackToken, (req) => accounts.rotateCallbackToken(tenantOf(req)));
}
