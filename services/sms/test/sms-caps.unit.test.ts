import { applyCaps, dayKey, localDay, numberKey } from '../src/domain/sms-caps';

describe('SMS caps rules', () => {
  const state = (o: { limit?: number; cap?: number; tenantSent?: number; numberSent?: number } = {}) => ({
    tenantLimit: new Map(o.limit === undefined ? [] : [['T', o.limit]]),
    numberCap: new Map(o.cap === undefined ? [] : [['T', o.cap]]),
    tenantSent: new Map([[dayKey('T', '2026-12-08'), o.tenantSent ?? 0]]),
    numberSent: new Map([[numberKey('T', '+1', '2026-12-08'), o.numberSent ?? 0]]),
  });
  const c = (id: string, phone = '+1', day = '2026-12-08') => ({ id, tenantId: 'T', phone, day });

  it('when a number is at its cap, then CONTACT_LIMIT, before the tenant limit is looked at; a refused SMS counts against neither', () => {
    const out = applyCaps([c('1'), c('2'), c('3', '+2')], state({ limit: 2, cap: 1 }));
    expect([...out.refused]).toEqual([['2', 'CONTACT_LIMIT']]);
    expect(out.tenantSent.get(dayKey('T', '2026-12-08'))).toBe(2);
    expect(out.numberSent.get(numberKey('T', '+1', '2026-12-08'))).toBe(1);
  });

  it('when the tenant is at smsPerDay, then TENANT_LIMIT; another day has its own count', () => {
    const out = applyCaps([c('1', '+3'), c('2', '+4'), c('3', '+5', '2026-12-09')], state({ limit: 3, tenantSent: 2 }));
    expect([...out.refused]).toEqual([['2', 'TENANT_LIMIT']]);
  });

  it('when there is no limit or cap, then nothing is refused or counted', () => {
    const out = applyCaps([c('1'), c('2')], state());
    expect(out.refused.size).toBe(0);
  });

  it("when the local day is read, then it is the task zone's calendar date, across midnight and DST", () => {
    expect(localDay(new Date('2026-12-07T14:59:00Z'), 'Asia/Jayapura', 'Asia/Jakarta')).toBe('2026-12-07');
    expect(localDay(new Date('2026-12-07T15:01:00Z'), 'Asia/Jayapura', 'Asia/Jakarta')).toBe('2026-12-08');
    expect(localDay(new Date('2026-03-29T00:30:00Z'), 'Europe/Berlin', 'Asia/Jakarta')).toBe('2026-03-29');
    expect(localDay(new Date('2026-12-07T17:30:00Z'), 'Not/AZone', 'Asia/Jakarta')).toBe('2026-12-08');
  });
});
