import { shareChannels, type TaskDemand } from '../src/domain/fair-share';

const tasks = (tenantId: string, n: number, demand: number, inFlight = 0): TaskDemand[] =>
  Array.from({ length: n }, (_, i) => ({ taskId: `${tenantId}-${i}`, tenantId, inFlight, demand }));
const sumOf = (share: Map<string, number>, tenantId: string) => [...share].filter(([id]) => id.startsWith(`${tenantId}-`)).reduce((s, [, n]) => s + n, 0);

describe('shareChannels', () => {
  it('when a tenant with 50 tasks and one with 1 both want more than there is, then each tenant gets half', () => {
    const share = shareChannels(20, [...tasks('a', 50, 5), ...tasks('b', 1, 100)], new Map());
    expect([sumOf(share, 'a'), sumOf(share, 'b')]).toEqual([10, 10]);
    // the fifty share theirs: ten of them one each
    expect([...share].filter(([id]) => id.startsWith('a-')).every(([, n]) => n === 1)).toBe(true);
  });

  it('when a tenant already holds more calls, then the free channels go to the other first', () => {
    const share = shareChannels(4, [...tasks('a', 3, 10), ...tasks('b', 1, 10)], new Map([['a', { inFlight: 12, quota: null }], ['b', { inFlight: 8, quota: null }]]));
    expect([sumOf(share, 'a'), sumOf(share, 'b')]).toEqual([0, 4]);
    // within a tenant, likewise by the tasks' calls in flight
    const within = shareChannels(3, [{ taskId: 'x-0', tenantId: 'x', inFlight: 5, demand: 9 }, { taskId: 'x-1', tenantId: 'x', inFlight: 2, demand: 9 }], new Map());
    expect(within).toEqual(new Map([['x-1', 3]]));
  });

  it('gives no tenant more than its quota or a task more than its demand; what one cannot take goes to the others', () => {
    const share = shareChannels(20, [...tasks('a', 2, 50), ...tasks('b', 1, 3)], new Map([['a', { inFlight: 0, quota: 6 }]]));
    expect([sumOf(share, 'a'), sumOf(share, 'b')]).toEqual([6, 3]);
    expect(shareChannels(20, tasks('a', 2, 50), new Map([['a', { inFlight: 0, quota: 0 }]]))).toEqual(new Map());
    expect(shareChannels(0, tasks('a', 2, 50), new Map())).toEqual(new Map());
  });
});
