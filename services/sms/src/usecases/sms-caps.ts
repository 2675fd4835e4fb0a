import type { EntityManager } from 'typeorm';
import { capsRepository } from '../data/caps.repository';
import { applyCaps, dayKey, numberKey, type CapCandidate } from '../domain/sms-caps';

/**
 * The SMS caps on messages just inserted `queued` in this transaction (API.md: smsPerDay →
 * TENANT_LIMIT, the contact policy's maxSmsPerNumberPerDay → CONTACT_LIMIT), per calendar day,
 * across the tenant's tasks: follow-ups and reply-rule answers alike (opt-out confirmations are
 * never counted). The counters are rows locked in this transaction (days, then numbers, each in key
 * order), so replicas deciding at once take turns and a cap is never passed. The refused messages
 * are made `skipped` with the reason; returns the reasons by message id.
 */
export async function capMessages(m: EntityManager, candidates: readonly CapCandidate[]): Promise<Map<string, string>> {
  if (candidates.length === 0) return new Map();
  const caps = await capsRepository.capsOf(m, [...new Set(candidates.map((c) => c.tenantId))]);
  const capped = candidates.filter((c) => caps.tenantLimit.has(c.tenantId) || caps.numberCap.has(c.tenantId));
  if (capped.length === 0) return new Map();
  const unique = <T>(xs: T[], key: (x: T) => string) => [...new Map(xs.map((x) => [key(x), x])).values()];
  const days = unique(capped.filter((c) => caps.tenantLimit.has(c.tenantId)), (c) => dayKey(c.tenantId, c.day));
  const numbers = unique(capped.filter((c) => caps.numberCap.has(c.tenantId)), (c) => numberKey(c.tenantId, c.phone, c.day));
  const daySent = await capsRepository.lockDays(m, days);
  const numberSent = await capsRepository.lockNumbers(m, numbers);
  const decided = applyCaps(capped, {
    tenantLimit: caps.tenantLimit,
    numberCap: caps.numberCap,
    tenantSent: new Map(daySent.map((r) => [dayKey(r.tenant_id, r.day), r.sent])),
    numberSent: new Map(numberSent.map((r) => [numberKey(r.tenant_id, r.phone, r.day), r.sent])),
  });
  await capsRepository.setDays(m, days.map((c) => ({ tenantId: c.tenantId, day: c.day, sent: decided.tenantSent.get(dayKey(c.tenantId, c.day)) ?? 0 })));
  await capsRepository.setNumbers(m, numbers.map((c) => ({ tenantId: c.tenantId, phone: c.phone, day: c.day, sent: decided.numberSent.get(numberKey(c.tenantId, c.phone, c.day)) ?? 0 })));
  await capsRepository.skip(m, decided.refused);
  return decided.refused;
}
