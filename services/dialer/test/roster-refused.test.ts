import { newTenantId, asTenant, eventually } from '@autocall/testing';
import { callsPerNumber, dialerSql, dialerWorld, rosterOf, snapshot, startTask } from './helpers';

/**
 * A roster its owner refuses for good (gone, or not this tenant's) after part of it was loaded:
 * the task must end rather than retry the load forever. Pages of 5 numbers; the stand-in roster
 * service answers the first page and refuses the next one with ROSTER_NOT_FOUND, as the roster
 * service does.
 */
const w = dialerWorld({ DIALER_ROSTER_PAGE_SIZE: '5' });

describe('a roster refused by its owner in the middle of the load', () => {
  it('when the second page is refused, then the loaded numbers still queued are settled failed "roster unavailable" (no call, no SMS), nothing else is asked, and the task drains with the numbers it had', async () => {
    const tenantId = newTenantId();
    // calling window closed today: the first page's numbers wait queued when the refusal comes
    const jakartaDay = ((new Date(Date.now() + 7 * 3600_000).getUTCDay() + 6) % 7) + 1;
    const other = (jakartaDay % 7) + 1;
    const rosterId = w.roster.add(rosterOf(12));
    w.roster.refusedAfterFirstPage.add(rosterId);
    const s = snapshot({ tenantId, rosterId, total: 12, dialing: { maxAttempts: 3, callingWindow: { start: '00:00', end: '24:00', days: [other] } } });
    w.events.watch(s.taskId);
    await startTask(w.bus, s);

    // 5 loaded numbers settled failed, 7 never loaded: all 12 are final for the task service
    expect(await w.events.drainedOf(s.taskId)).toMatchObject({ tenantId, finalCount: 12, cancelled: 0, unreached: 7 });
    await eventually(() => w.events.callsOf(s.taskId).length === 5);
    const calls = w.events.callsOf(s.taskId);
    expect(calls.map((c) => [c.rowNumber, c.attempt, c.outcome, c.failureReason, c.final, c.durationMs])).toEqual(
      [2, 3, 4, 5, 6].map((row) => [row, 1, 'failed', 'roster unavailable', true, 0]),
    );
    expect((await callsPerNumber(s.taskId)).size).toBe(0);

    // the calls list shows why; the report does not count them as attempts
    const list = await w.dialer.app.inject({ method: 'GET', url: `/v1/tasks/${s.taskId}/calls`, headers: asTenant(tenantId) });
    expect(list.json().items.map((c: { status: string; outcome: string; failureReason: string }) => [c.status, c.outcome, c.failureReason])).toEqual(
      Array(5).fill(['completed', 'failed', 'roster unavailable']),
    );
    const rows = await dialerSql<{ n: number }>(`SELECT count(*)::int AS n FROM call_attempts WHERE task_id = $1`, [s.taskId]);
    expect(rows[0].n).toBe(5);

    // the load is over: no replica asks for the roster again
    const asked = w.roster.asked;
    await new Promise((r) => setTimeout(r, 1200)); // two sweeps (500 ms)
    expect(w.roster.asked).toBe(asked);
    expect(w.events.drained.filter((d) => d.taskId === s.taskId)).toHaveLength(1);
  });
});
