import { admitDue, assertActiveSlot } from '../src/domain/active-limit';

describe('maxActiveTasks rules', () => {
  it('when a create would take the tenant past its limit, then TENANT_LIMIT_REACHED (422); a resume only while over it', () => {
    expect(() => assertActiveSlot({ limit: 2, active: 1 }, true)).not.toThrow();
    expect(() => assertActiveSlot({ limit: 2, active: 2 }, true)).toThrow(expect.objectContaining({ code: 'TENANT_LIMIT_REACHED', status: 422 }));
    expect(() => assertActiveSlot({ limit: 0, active: 0 }, true)).toThrow(expect.objectContaining({ code: 'TENANT_LIMIT_REACHED' }));
    expect(() => assertActiveSlot({ limit: 2, active: 2 }, false)).not.toThrow();
    expect(() => assertActiveSlot({ limit: 1, active: 2 }, false)).toThrow(expect.objectContaining({ code: 'TENANT_LIMIT_REACHED' }));
    expect(() => assertActiveSlot(undefined, true)).not.toThrow();
  });

  it('when due tasks outnumber free slots, then the earliest of each limited tenant start and tenants without a limit are not held back', () => {
    const due = [
      { id: 'a1', tenant_id: 'A' },
      { id: 'b1', tenant_id: 'B' },
      { id: 'a2', tenant_id: 'A' },
      { id: 'c1', tenant_id: 'C' },
      { id: 'a3', tenant_id: 'A' },
      { id: 'b2', tenant_id: 'B' },
    ];
    const slots = new Map([
      ['A', { limit: 3, active: 1 }],
      ['B', { limit: 1, active: 1 }],
    ]);
    expect(admitDue(due, slots).map((t) => t.id)).toEqual(['a1', 'a2', 'c1']);
  });
});
