import { SMS_CALLBACK_MAX_BYTES, smsRoutes as r } from '@autocall/contracts';
import { route, type App } from '@autocall/http';
import type { FastifyRequest } from 'fastify';
import { signatureValid } from '../domain/callback-signature';
import { smsErrors } from '../domain/errors';
import type { AccountService } from '../usecases/account.service';
import type { InboundService } from '../usecases/inbound.service';
import type { ReceiptService } from '../usecases/receipt.service';

/**
 * The providers' callbacks (no API key: the token in the path names the account). Odd text is kept
 * as U+FFFD (`strings: 'replace'`), the body is at most 64 KiB, and each answers 204 only once what
 * it carried is committed.
 */
export function callbackRoutes(app: App, accounts: AccountService, receipts: ReceiptService, inbound: InboundService) {
  const options = { bodyLimit: SMS_CALLBACK_MAX_BYTES, config: { strings: 'replace' } };
  const accountOf = async (req: FastifyRequest<{ Params: { token: string } }>) => {
    const account = await accounts.byCallbackToken(req.params.token);
    if (!account) throw smsErrors.CALLBACK_NOT_FOUND();
    const secret = account.settings?.callbackSecret;
    if (secret && !signatureValid(secret, req.rawBody ?? Buffer.alloc(0), req.headers['x-signature'])) throw smsErrors.CALLBACK_SIGNATURE_INVALID();
    return account;
  };
  route(
    app,
    r.deliveryCallback,
    async (req, reply) => {
      const account = await accountOf(req);
      await receipts.receive(account.tenant_id, req.body, req.id);
      return reply.code(204).send();
    },
    options,
  );
  route(
    app,
    r.inboundCallback,
    async (req, reply) => {
      const account = await accountOf(req);
      await inbound.receive(account, req.body, req.id);
      return reply.code(204).send();
    },
    options,
  );
}
