import { SmsAccountGet, SmsTemplateGet, SmsTemplateRelease, SmsTemplateReserve } from '@autocall/contracts';
import type { Bus } from '@autocall/bus';
import type { AccountService } from '../usecases/account.service';
import type { TemplateService } from '../usecases/template.service';

export async function templateResponders(bus: Bus, templates: TemplateService, accounts: AccountService) {
  await bus.respond(SmsTemplateGet, (q) => templates.lookup(q.tenantId, q.templateId));
  await bus.respond(SmsTemplateReserve, (q) => templates.reserve(q.tenantId, q.taskId, q.templateIds, q.only));
  await bus.respond(SmsTemplateRelease, (q) => templates.release(q.tenantId, q.taskId));
  await bus.respond(SmsAccountGet, async (q) => {
    const a = await accounts.get(q.tenantId);
    return { active: a.status === 'active', senderId: a.senderId, optOutKeywords: a.optOutKeywords };
  });
}
