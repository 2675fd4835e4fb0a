import ExcelJS from 'exceljs';
import { DialerTaskCancel, NumberTagged, SmsSent, SmsStatusChanged, TaskDeleted, TaskGet, type SmsMessage } from '@autocall/contracts';
import { asTenant, eventually, newTenantId } from '@autocall/testing';
import { callsPerNumber, dialerSql, dialerWorld, OUTCOME_BY_DIGIT, rosterOf, snapshot, startDialer, startTask } from './helpers';

const w = dialerWorld();

const get = (tenantId: string, url: string) => w.dialer.app.inject({ method: 'GET', url, headers: asTenant(tenantId) });

async function runTask(count: number, dialing: Parameters<typeof snapshot>[0]['dialing'] = {}) {
  const tenantId = newTenantId();
  const entries = rosterOf(count);
  const s = snapshot({ tenantId, rosterId: w.roster.add(entries), total: count, dialing });
  w.events.watch(s.taskId);
  await startTask(w.bus, s);
  return { s, tenantId, entries };
}

describe('dialing with the simulated carrier', () => {
  it('when a task with numbers ending 0–9 starts, then each is called once with the outcome of the table, one call.completed each, and the task drains once', async () => {
    const { s } = await runTask(10);
    const drained = await w.events.drainedOf(s.taskId);
    expect(drained).toMatchObject({ tenantId: s.tenantId, finalCount: 10, cancelled: 0 });

    const perNumber = await callsPerNumber(s.taskId);
    expect(perNumber.size).toBe(10);
    expect([...perNumber.values()].every((n) => n === 1)).toBe(true);

    await eventually(() => w.events.callsOf(s.taskId).length === 10);
    const calls = w.events.callsOf(s.taskId);
    for (const c of calls) {
      const [outcome, hangupBy] = OUTCOME_BY_DIGIT[c.phone.slice(-1)];
      expect([c.phone, c.outcome, c.hangupBy, c.final, c.attempt]).toEqual([c.phone, outcome, hangupBy, true, 1]);
      expect(c.name).toMatch(/^Callee \d$/);
      expect(c.variables['Order Id']).toBeDefined();
      if (outcome === 'answered') {
        expect(c.sipCode).toBe(200);
        expect(c.answeredAt).not.toBeNull();
        expect(c.durationMs).toBe(hangupBy === 'callee' ? 10_000 : 20_000);
      } else expect(c.durationMs).toBe(0);
    }
    // drained once, even after more sweeps
    await new Promise((r) => setTimeout(r, 700));
    expect(w.events.drained.filter((d) => d.taskId === s.taskId)).toHaveLength(1);
  });

  it('when maxAttempts is 2, then 5, 6, 7 and 8 are retried once (8 answers), 9 and the answered are not, and only last attempts are final', async () => {
    const { s } = await runTask(10, { maxAttempts: 2, retryDelayMinutes: 0 });
    expect(await w.events.drainedOf(s.taskId)).toMatchObject({ finalCount: 10, cancelled: 0 });
    await eventually(() => w.events.callsOf(s.taskId).length === 14);
    const calls = w.events.callsOf(s.taskId);
    const byDigit = (d: string) => calls.filter((c) => c.phone.endsWith(d)).sort((a, b) => a.attempt - b.attempt);
    for (const d of ['0', '1', '2', '3', '4', '9']) expect(byDigit(d).map((c) => [c.attempt, c.final])).toEqual([[1, true]]);
    for (const d of ['5', '6', '7']) {
      expect(byDigit(d).map((c) => [c.attempt, c.outcome, c.final])).toEqual([
        [1, OUTCOME_BY_DIGIT[d][0], false],
        [2, OUTCOME_BY_DIGIT[d][0], true],
      ]);
    }
    expect(byDigit('8').map((c) => [c.attempt, c.outcome, c.final])).toEqual([
      [1, 'no_answer', false],
      [2, 'answered', true],
    ]);
    const perAttempt = await dialerSql<{ n: number }>(
      `SELECT count(*)::int AS n FROM sim_calls s JOIN call_attempts a ON a.id = s.attempt_id WHERE a.task_id = $1 GROUP BY s.attempt_id`,
      [s.taskId],
    );
    expect(perAttempt).toHaveLength(14);
    expect(perAttempt.every((r) => r.n === 1)).toBe(true);
  });

  it('when the retry delay has not passed, then the retry waits queued and the task does not drain', async () => {
    const { s } = await runTask(10, { maxAttempts: 3, retryDelayMinutes: 30 });
    await eventually(() => w.events.callsOf(s.taskId).length === 10);
    const queued = await dialerSql<{ phone: string; due_at: Date }>(`SELECT phone, due_at FROM call_attempts WHERE task_id = $1 AND status = 'queued' ORDER BY phone`, [s.taskId]);
    expect(queued.map((q) => q.phone.slice(-1))).toEqual(['5', '6', '7', '8']);
    expect(queued[0].due_at.getTime() - Date.now()).toBeGreaterThan(29 * 60_000);
    expect(w.events.drained.find((d) => d.taskId === s.taskId)).toBeUndefined();
  });

  it('when the calling window is closed today, then nothing is dialled', async () => {
    const jakartaDay = ((new Date(Date.now() + 7 * 3600_000).getUTCDay() + 6) % 7) + 1;
    const other = (jakartaDay % 7) + 1;
    const { s } = await runTask(5, { callingWindow: { start: '00:00', end: '24:00', days: [other] } });
    await eventually(async () => (await dialerSql(`SELECT 1 FROM call_attempts WHERE task_id = $1`, [s.taskId])).length === 5);
    await new Promise((r) => setTimeout(r, 500));
    expect((await callsPerNumber(s.taskId)).size).toBe(0);
  });

  it('when callsPerSecond is 20, then 40 calls take about two seconds', async () => {
    const { s } = await runTask(40, { callsPerSecond: 20 });
    await w.events.drainedOf(s.taskId);
    const [span] = await dialerSql<{ ms: number }>(
      `SELECT (extract(epoch FROM max(placed_at) - min(placed_at)) * 1000)::int AS ms FROM sim_calls s JOIN call_attempts a ON a.id = s.attempt_id WHERE a.task_id = $1`,
      [s.taskId],
    );
    // a full bucket (20 tokens) goes at once, then 20/s: the last 20 calls need ~1 s
    expect(span.ms).toBeGreaterThanOrEqual(850);
    expect(span.ms).toBeLessThan(3000);
  });

  it('when maxConcurrentCalls is 3, then never more than 3 calls are in flight', async () => {
    const slow = await startDialer({ SIM_TIME_SCALE: '0.01', DIALER_ID: 'slow-dialer' });
    try {
      const { s } = await runTask(30, { maxConcurrentCalls: 3 });
      let peak = 0;
      let done = false;
      const watch = (async () => {
        while (!done) {
          const [r] = await dialerSql<{ n: number }>(`SELECT count(*)::int AS n FROM call_attempts WHERE task_id = $1 AND status = 'dialing'`, [s.taskId]);
          peak = Math.max(peak, r.n);
          await new Promise((res) => setTimeout(res, 10));
        }
      })();
      await w.events.drainedOf(s.taskId, 30_000);
      done = true;
      await watch;
      expect(peak).toBeGreaterThan(0);
      expect(peak).toBeLessThanOrEqual(3);
    } finally {
      await slow.close();
    }
  });
});

describe('cancel', () => {
  it('when a running task is cancelled, then numbers not yet final become cancelled, the count is the same on repeat and the task drains with it', async () => {
    const { s } = await runTask(200, { callsPerSecond: 20 });
    await eventually(() => w.events.callsOf(s.taskId).length >= 5);
    const first = await w.bus.request(DialerTaskCancel, { tenantId: s.tenantId, taskId: s.taskId, total: 200 });
    const again = await w.bus.request(DialerTaskCancel, { tenantId: s.tenantId, taskId: s.taskId, total: 200 });
    expect(again).toEqual(first);
    expect(first.cancelled).toBeGreaterThan(100);
    const drained = await w.events.drainedOf(s.taskId);
    expect(drained.cancelled).toBe(first.cancelled);
    expect(drained.finalCount).toBe(200);
    const calls = w.events.callsOf(s.taskId);
    expect(calls.length + first.cancelled).toBe(200);
    const [c] = await dialerSql<{ n: number }>(`SELECT count(*)::int AS n FROM call_attempts WHERE task_id = $1 AND status = 'cancelled'`, [s.taskId]);
    expect(c.n).toBe(first.cancelled);
    await new Promise((r) => setTimeout(r, 300));
    expect(w.events.callsOf(s.taskId).length).toBe(calls.length);
  });

  it('when a task is cancelled before it started, then every number is cancelled and no call is made', async () => {
    const tenantId = newTenantId();
    const s = snapshot({ tenantId, rosterId: w.roster.add(rosterOf(7)), total: 7 });
    w.events.watch(s.taskId);
    const res = await w.bus.request(DialerTaskCancel, { tenantId, taskId: s.taskId, total: 7 });
    expect(res).toEqual({ ok: true, cancelled: 7 });
    await startTask(w.bus, s);
    expect(await w.events.drainedOf(s.taskId)).toMatchObject({ finalCount: 7, cancelled: 7 });
    await new Promise((r) => setTimeout(r, 300));
    expect((await callsPerNumber(s.taskId)).size).toBe(0);
  });

  it("when another tenant cancels a task, then 404 and nothing changes", async () => {
    const { s } = await runTask(3);
    await w.events.drainedOf(s.taskId);
    await expect(w.bus.request(DialerTaskCancel, { tenantId: newTenantId(), taskId: s.taskId, total: 3 })).rejects.toMatchObject({ code: 'TASK_NOT_FOUND', status: 404 });
  });
});

describe('GET /v1/tasks/:id/calls and /report', () => {
  it('when a task asks for AMD (onMachine hangup), then the simulated carrier’s answered calls say who answered — a machine on numbers ending in 4, hung up once heard — in call.completed and /calls; without AMD they say nothing', async () => {
    const { s, tenantId } = await runTask(10, { amd: { enabled: true, onMachine: 'hangup' } });
    await w.events.drainedOf(s.taskId);
    await eventually(() => w.events.callsOf(s.taskId).length === 10);
    const byDigit = (d: string) => w.events.callsOf(s.taskId).find((c) => c.phone.endsWith(d))!;
    expect(['0', '1', '2', '3', '4', '5', '9'].map((d) => [d, byDigit(d).answeredBy])).toEqual([['0', 'human'], ['1', 'human'], ['2', 'human'], ['3', 'human'], ['4', 'machine'], ['5', null], ['9', null]]);
    expect([byDigit('4').hangupBy, byDigit('4').durationMs]).toEqual(['system', 3000]);
    expect(byDigit('3').durationMs).toBe(20_000);
    const listed = (await get(tenantId, `/v1/tasks/${s.taskId}/calls?outcome=answered`)).json().items as { phone: string; answeredBy: string | null }[];
    expect(listed.map((c) => `${c.phone.slice(-1)}:${c.answeredBy}`).sort()).toEqual(['0:human', '1:human', '2:human', '3:human', '4:machine']);

    const plain = await runTask(5);
    await w.events.drainedOf(plain.s.taskId);
    await eventually(() => w.events.callsOf(plain.s.taskId).length === 5);
    expect(w.events.callsOf(plain.s.taskId).every((c) => c.answeredBy === null)).toBe(true);
  });

  it('when a task has run, then its calls list pages by cursor, filters by outcome and shows each SMS', async () => {
    const { s, tenantId } = await runTask(10);
    await w.events.drainedOf(s.taskId);
    const zero = w.events.callsOf(s.taskId).find((c) => c.phone.endsWith('0'))!;
    await w.bus.publish(SmsSent, { tenantId, taskId: s.taskId, messageId: zero.attemptId, phone: zero.phone, kind: 'disconnect', status: 'sent', failureReason: null });

    const page1 = await get(tenantId, `/v1/tasks/${s.taskId}/calls?limit=4`);
    expect(page1.statusCode).toBe(200);
    expect(page1.json().items).toHaveLength(4);
    const seen = [...page1.json().items];
    let cursor: string | null = page1.json().nextCursor;
    while (cursor) {
      const next = (await get(tenantId, `/v1/tasks/${s.taskId}/calls?limit=4&cursor=${cursor}`)).json();
      seen.push(...next.items);
      cursor = next.nextCursor;
    }
    expect(seen.map((c) => c.phone).sort()).toEqual(rosterOf(10).map((e) => e.phone).sort());
    expect(seen[0]).toMatchObject({ attempt: 1, status: 'completed', sipCode: expect.any(Number), startedAt: expect.stringMatching(/Z$/), endedAt: expect.stringMatching(/Z$/) });

    const answered = (await get(tenantId, `/v1/tasks/${s.taskId}/calls?outcome=answered`)).json();
    expect(answered.items.map((c: { phone: string }) => c.phone.slice(-1)).sort()).toEqual(['0', '1', '2', '3', '4']);
    expect(answered.items.every((c: { outcome: string; durationMs: number }) => c.outcome === 'answered' && c.durationMs > 0)).toBe(true);

    await eventually(async () => {
      const items = (await get(tenantId, `/v1/tasks/${s.taskId}/calls`)).json().items as { phone: string; sms: unknown }[];
      return items.find((c) => c.phone === zero.phone)?.sms !== null;
    });
    const items = (await get(tenantId, `/v1/tasks/${s.taskId}/calls`)).json().items as { phone: string; sms: unknown }[];
    expect(items.find((c) => c.phone === zero.phone)?.sms).toEqual({ kind: 'disconnect', status: 'sent' });
  });

  it('when the task is another tenant’s or unknown, then 404; a bad cursor or outcome 400; a task not started lists nothing', async () => {
    const { s, tenantId } = await runTask(2);
    await w.events.drainedOf(s.taskId);
    for (const url of [`/v1/tasks/${s.taskId}/calls`, `/v1/tasks/${s.taskId}/report?format=csv`]) {
      const res = await get(newTenantId(), url);
      expect([res.statusCode, res.json().code]).toEqual([404, 'TASK_NOT_FOUND']);
    }
    // a task the dialer has not heard of is asked of the task service (here a stand-in answering for one task)
    const justCreated = newTenantId();
    await w.bus.respond(TaskGet, async (q) => (q.taskId === justCreated && q.tenantId === tenantId ? { found: true, task: { ...s, taskId: justCreated } } : { found: false }));
    expect((await get(tenantId, `/v1/tasks/${newTenantId()}/calls`)).statusCode).toBe(404);
    expect((await get(newTenantId(), `/v1/tasks/${justCreated}/calls`)).statusCode).toBe(404);
    const fresh = await get(tenantId, `/v1/tasks/${justCreated}/calls`);
    expect([fresh.statusCode, fresh.json()]).toEqual([200, { items: [], nextCursor: null }]);
    const freshReport = await get(tenantId, `/v1/tasks/${justCreated}/report?format=csv`);
    expect([freshReport.statusCode, freshReport.body.trim().split(/\r?\n/)]).toEqual([200, [expect.stringContaining('Phone Number')]]);
    expect((await get(tenantId, `/v1/tasks/not-a-uuid/calls`)).json().code).toBe('INVALID_ID');
    expect((await get(tenantId, `/v1/tasks/${s.taskId}/calls?cursor=abc`)).json().code).toBe('INVALID_CURSOR');
    expect((await get(tenantId, `/v1/tasks/${s.taskId}/calls?outcome=maybe`)).json().code).toBe('VALIDATION_FAILED');
    expect((await get(tenantId, `/v1/tasks/${s.taskId}/calls?limit=201`)).json().code).toBe('VALIDATION_FAILED');

    const notStarted = snapshot({ tenantId, rosterId: w.roster.add(rosterOf(3)), total: 3, status: 'scheduled' });
    await w.bus.publish((await import('@autocall/contracts')).TaskCreated, notStarted);
    await eventually(async () => (await get(tenantId, `/v1/tasks/${notStarted.taskId}/calls`)).statusCode === 200);
    expect((await get(tenantId, `/v1/tasks/${notStarted.taskId}/calls`)).json()).toEqual({ items: [], nextCursor: null });
  });

  it('when the report is asked as csv and xlsx, then one row per number with outcome, attempts, times and SMS, formula-like cells escaped', async () => {
    const { s, tenantId } = await runTask(10, { maxAttempts: 2 });
    await w.events.drainedOf(s.taskId);
    const csv = await get(tenantId, `/v1/tasks/${s.taskId}/report?format=csv`);
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.headers['content-disposition']).toContain(`task-${s.taskId}-report.csv`);
    const lines = csv.body.replace(/^\ufeff/, '').trim().split('\r\n');
    expect(lines[0]).toBe('Row,Phone Number,Name,Outcome,Hang-up By,Attempts,First Call At (UTC),Last Call At (UTC),Answered At (UTC),Ended At (UTC),Duration (ms),Failure Reason,SMS Kind,SMS Status,Tags');
    expect(lines).toHaveLength(11);
    const eight = lines.find((l) => l.includes("'+628120000008"))!.split(',');
    expect(eight[3]).toBe('answered');
    expect(eight[5]).toBe('2');

    const xlsx = await get(tenantId, `/v1/tasks/${s.taskId}/report`);
    expect(xlsx.headers['content-type']).toContain('spreadsheetml');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer);
    const ws = wb.getWorksheet('Report')!;
    expect(ws.rowCount).toBe(11);
    const row = ws.getRow(2).values as unknown[];
    expect(String(row[2])).toBe("'+628120000000");
    expect(row[4]).toBe('answered');
  });

  it('when the sms service reports delivery and reply tags, then the calls list and the report show them; a late `sent` never undoes `delivered`, DTMF tags are not doubled', async () => {
    const { s, tenantId } = await runTask(10);
    await w.events.drainedOf(s.taskId);
    const calls = w.events.callsOf(s.taskId);
    const zero = calls.find((c) => c.phone.endsWith('0'))!;
    const five = calls.find((c) => c.phone.endsWith('5'))!;
    const seven = calls.find((c) => c.phone.endsWith('7'))!;
    const message = (phone: string, kind: SmsMessage['kind'], status: SmsMessage['status']): SmsMessage => ({
      id: newTenantId(), taskId: s.taskId, phone, kind, status, text: 'hi', segments: 1, templateId: null, failureReason: null,
      createdAt: new Date().toISOString(), sentAt: new Date().toISOString(), deliveredAt: status === 'delivered' ? new Date().toISOString() : null, deliveryError: status === 'undelivered' ? 'X' : null,
    });
    // a tag the call's DTMF rule gave (written by the dialer with the call's result)
    await dialerSql(`UPDATE call_attempts SET tags = ARRAY['pressed-1'] WHERE id = $1`, [zero.attemptId]);
    // the receipt's event first, the send's after it (events are not ordered)
    await w.bus.publish(SmsStatusChanged, { tenantId, message: message(zero.phone, 'disconnect', 'delivered') });
    await w.bus.publish(SmsSent, { tenantId, taskId: s.taskId, messageId: zero.attemptId, phone: zero.phone, kind: 'disconnect', status: 'sent', failureReason: null });
    await w.bus.publish(SmsStatusChanged, { tenantId, message: message(zero.phone, 'disconnect', 'sent') });
    await w.bus.publish(SmsStatusChanged, { tenantId, message: message(seven.phone, 'unanswered', 'sent') });
    await w.bus.publish(SmsStatusChanged, { tenantId, message: message(seven.phone, 'unanswered', 'undelivered') });
    // a reply's own SMS is not the number's follow-up
    await w.bus.publish(SmsStatusChanged, { tenantId, message: message(five.phone, 'reply', 'delivered') });
    const tag = { tenantId, taskId: s.taskId, optOut: false };
    await w.bus.publish(NumberTagged, { ...tag, phone: five.phone, tag: 'interested', source: 'sms-reply' });
    await w.bus.publish(NumberTagged, { ...tag, phone: five.phone, tag: 'interested', source: 'sms-reply' });
    await w.bus.publish(NumberTagged, { ...tag, phone: five.phone, tag: 'callback', source: 'sms-reply' });
    await w.bus.publish(NumberTagged, { ...tag, phone: zero.phone, tag: 'pressed-1', source: 'dtmf' });
    await w.bus.publish(NumberTagged, { ...tag, phone: zero.phone, tag: null, source: 'sms-reply', optOut: true });
    await w.bus.publish(NumberTagged, { ...tag, phone: zero.phone, tag: 'last', source: 'sms-reply' });

    type Item = { phone: string; sms: unknown; tags: string[] };
    const byPhone = async () => new Map(((await get(tenantId, `/v1/tasks/${s.taskId}/calls`)).json().items as Item[]).map((c) => [c.phone, c]));
    const seen = await eventually(async () => {
      const m = await byPhone();
      return m.get(zero.phone)?.tags.includes('last') && m.get(five.phone)?.tags.length === 2 && (m.get(seven.phone)?.sms as { status?: string } | null)?.status === 'undelivered' ? m : undefined;
    });
    expect(seen.get(zero.phone)).toMatchObject({ sms: { kind: 'disconnect', status: 'delivered' }, tags: ['pressed-1', 'last'] });
    expect(seen.get(seven.phone)).toMatchObject({ sms: { kind: 'unanswered', status: 'undelivered' }, tags: [] });
    expect(seen.get(five.phone)).toMatchObject({ sms: null, tags: ['interested', 'callback'] });

    const lines = (await get(tenantId, `/v1/tasks/${s.taskId}/report?format=csv`)).body.replace(/^\ufeff/, '').trim().split('\r\n');
    const rowOf = (phone: string) => lines.find((l) => l.includes(`'${phone}`))!.split(',');
    expect(lines.find((l) => l.includes(`'${zero.phone}`))).toMatch(/,disconnect,delivered,"pressed-1, last"$/);
    expect(rowOf(seven.phone).slice(12)).toEqual(['unanswered', 'undelivered', '']);
    expect(lines.find((l) => l.includes(`'${five.phone}`))).toMatch(/,,"interested, callback"$/);
  });

  it('when a task is deleted, then its calls answer 404', async () => {
    const { s, tenantId } = await runTask(2);
    await w.events.drainedOf(s.taskId);
    await w.bus.publish(TaskDeleted, { tenantId, taskId: s.taskId });
    await eventually(async () => (await get(tenantId, `/v1/tasks/${s.taskId}/calls`)).statusCode === 404);
  });
});
