import { isStale, newRunId } from '../src/isolation';

describe('test run isolation', () => {
  it('when two runs start in the same second, then their ids differ (the first to end would drop the other’s databases and vhosts)', () => {
    const ids = new Set(Array.from({ length: 50 }, () => newRunId()));
    expect(ids.size).toBe(50);
  });

  it('when a name is a leftover, then only one hours old is stale — new ids and the older form alike', () => {
    const now = Math.floor(Date.now() / 1000);
    const old = (now - 4 * 3600).toString(36);
    expect(isStale(`autocall_test_${newRunId()}_1`, now)).toBe(false);
    expect(isStale(`autocall_test_${old}_a1b2c3_1`, now)).toBe(true);
    expect(isStale(`autocall_test_${old}_2`, now)).toBe(true);
    expect(isStale(`autocall_test_${now.toString(36)}_2`, now)).toBe(false);
  });
});
