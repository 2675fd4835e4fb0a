/**
 * Issue 15's dialing policy end to end, through the gateway over real HTTP with every service
 * running in-process and the simulated carrier at SIM_TIME_SCALE=0 (it records every call it is
 * asked to place): the do-not-call list (API, xlsx import, listing while a task runs), the
 * calendar's blackouts and the task's time zone in nextCallAt, the bad inputs, roles and tenants.
 * music-metadata (the recording service) exports only import / module-sync conditions.
 * @jest-environment-options {"customExportConditions": ["node", "node-addons", "module-sync"]}
 */
import { randomBytes } from 'node:crypto';
import ExcelJS from 'exceljs';
import { addDays, localTime, zonedInstant } from '@autocall/dialing-time';
import { eventually, sql } from '@autocall/testing';
import { multipart } from '../../services/recording/test/helpers';
import { allPages, call, e164, newTenant, OPEN_DIALING, rosterRows, simCallsPerNumber, startPlatform, uploadRecording, uploadRoster, type Platform } from './platform';

let p: Platform;
beforeAll(async () => {
  p = await startPlatform({ dialerEnv: { SIM_TIME_SCALE: '0', DNC_IMPORT_MAX_BYTES: '200000', DNC_IMPORT_MAX_UNCOMPRESSED_BYTES: '1048576' } });
}, 60_000);
afterAll(async () => {
  await p?.close();
});

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** An .xlsx with a `Nomor HP` column (as a person names it), numbers as text or, with `numeric`, as number cells. */
async function dncXlsx(phones: (string | number)[], extraCell: string | ((i: number) => string) = ''): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('DNC');
  ws.addRow(['Nomor HP', 'Catatan']);
  for (const [i, ph] of phones.entries()) ws.addRow([ph, typeof extraCell === 'string' ? extraCell : extraCell(i)]);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

const importDnc = (auth: Record<string, string>, file: Buffer, contentType = XLSX) => {
  const { payload, headers } = multipart([{ name: 'file', filename: 'dnc.xlsx', contentType, data: file }]);
  return call(p.url, 'POST', '/v1/dnc/import', { headers: { ...auth, ...headers }, body: payload });
};

/** A key of `role` made by the tenant's owner key. */
async function keyOf(owner: Record<string, string>, role: string): Promise<Record<string, string>> {
  const res = await call(p.url, 'POST', '/v1/api-keys', { headers: owner, json: { name: role, role } });
  expect(res.status).toBe(201);
  return { authorization: `Bearer ${res.body.apiKey}` };
}

async function smsSetup(auth: Record<string, string>) {
  const template = async (name: string, content: string) => (await call(p.url, 'POST', '/v1/sms-templates', { headers: auth, json: { name, content } })).body.id as string;
  const disconnect = await template('Thanks', 'Thanks {{name}}.');
  const unanswered = await template('Missed', 'Sorry we missed you {{name}}.');
  expect((await call(p.url, 'PUT', '/v1/sms-account', { headers: auth, json: { provider: 'simulated', senderId: 'AUTOCALL', status: 'active' } })).status).toBe(200);
  return { onDisconnect: { enabled: true, templateId: disconnect }, onUnanswered: { enabled: true, templateId: unanswered } };
}

const dbNow = async () => (await sql<{ now: Date }>(`SELECT clock_timestamp() AS now`))[0].now;

describe('the do-not-call list through the gateway', () => {
  it('when 100 of 1,000 numbers are listed and 50 more are listed while the task runs, then no listed number is dialled after its listing answered, the first 100 never: suppressed, no SMS, not calls', async () => {
    const N = 1000;
    const { auth } = await newTenant(p.url);
    const recording = await uploadRecording(p.url, auth);
    const rows = rosterRows(81234000000, N);
    const roster = await uploadRoster(p.url, auth, rows);
    expect(roster.body).toMatchObject({ status: 'ready', counts: { valid: N } });
    const phoneOf = (i: number) => e164(rows[i].phone);

    // 100 listed before: 75 by an import (text and number cells), 25 by POST in the forms people write
    const before = Array.from({ length: 100 }, (_, k) => 10 * k + 3); // digit 3: would be answered and get an SMS
    const imported = await importDnc(auth, await dncXlsx(before.slice(0, 75).map((i, k) => (k % 2 === 0 ? `0${rows[i].phone}` : Number(rows[i].phone)))));
    expect([imported.status, imported.body]).toEqual([200, { added: 75, alreadyListed: 0, invalid: 0 }]);
    for (const [k, i] of before.slice(75).entries()) {
      const raw = k % 2 === 0 ? `62${rows[i].phone}` : phoneOf(i);
      const res = await call(p.url, 'POST', '/v1/dnc', { headers: auth, json: { phone: raw, reason: 'asked on the phone' } });
      expect([res.status, res.body]).toEqual([201, expect.objectContaining({ phone: phoneOf(i), rawPhone: raw, source: 'api', reason: 'asked on the phone', createdBy: expect.stringMatching(/^apiKey:/) })]);
    }

    const task = await call(p.url, 'POST', '/v1/tasks', {
      headers: auth,
      json: { name: 'DNC run', recordingId: recording.body.id, rosterId: roster.body.id, start: { mode: 'immediate' }, sms: await smsSetup(auth), dialing: { ...OPEN_DIALING, callsPerSecond: 40 } },
    });
    expect(task.status).toBe(201);
    const taskId = task.body.id as string;

    // while it runs: 50 more from the roster's last quarter, 25 by POST and 25 by one import, each answer's time noted
    await eventually(async () => [...(await simCallsPerNumber(taskId)).values()].length >= 150, 30_000);
    const during = Array.from({ length: 50 }, (_, k) => 750 + 5 * k + 1);
    const answeredAt = new Map<string, Date>();
    for (const i of during.slice(0, 25)) {
      const res = await call(p.url, 'POST', '/v1/dnc', { headers: auth, json: { phone: rows[i].phone } });
      expect(res.status).toBe(201);
      answeredAt.set(phoneOf(i), await dbNow());
    }
    const late = await importDnc(auth, await dncXlsx(during.slice(25).map((i) => rows[i].phone)));
    expect([late.status, late.body.added]).toEqual([200, 25]);
    const importAnswered = await dbNow();
    for (const i of during.slice(25)) answeredAt.set(phoneOf(i), importAnswered);

    const done = await eventually(
      async () => {
        const t = await call(p.url, 'GET', `/v1/tasks/${taskId}`, { headers: auth });
        return t.body.status === 'completed' ? t.body : undefined;
      },
      120_000,
      200,
    );
    const calls = await simCallsPerNumber(taskId);
    // the first 100: never dialled
    expect(before.map(phoneOf).filter((ph) => calls.has(ph))).toEqual([]);
    // the 50 listed while it ran: no call placed after the listing answered
    const placedAfter = await sql<{ phone: string }>(
      `SELECT s.phone FROM dialer.sim_calls s JOIN dialer.call_attempts a ON a.id = s.attempt_id
        JOIN unnest($2::text[], $3::timestamptz[]) AS l(phone, at) ON l.phone = s.phone
       WHERE a.task_id = $1 AND s.placed_at > l.at`,
      [taskId, [...answeredAt.keys()], [...answeredAt.values()]],
    );
    expect(placedAfter).toEqual([]);
    const duringNotDialled = during.map(phoneOf).filter((ph) => !calls.has(ph)).length;
    expect(done.progress).toMatchObject({ total: N, pending: 0, suppressed: 100 + duringNotDialled, expired: 0, cancelled: 0, percent: 100 });
    const { answered, noAnswer, busy, unavailable, failed, suppressed } = done.progress;
    expect(answered + noAnswer + busy + unavailable + failed + suppressed).toBe(N);
    expect(calls.size).toBe(N - suppressed);

    // no SMS of any kind to the first 100; never-dialled numbers are not calls; the report has every number
    const listedBefore = new Set(before.map(phoneOf));
    const messages = await allPages(p.url, auth, `/v1/sms-messages?taskId=${taskId}`);
    expect(messages.filter((m) => listedBefore.has(m.phone))).toEqual([]);
    const callList = await allPages(p.url, auth, `/v1/tasks/${taskId}/calls`);
    expect(callList.filter((c) => listedBefore.has(c.phone) || c.outcome === 'suppressed')).toEqual([]);
    const report = await call(p.url, 'GET', `/v1/tasks/${taskId}/report?format=csv`, { headers: auth });
    const lines = report.text.split('\r\n').filter((l) => l.trim() !== '');
    expect(lines).toHaveLength(N + 1);
    expect(lines.filter((l) => /,suppressed,/.test(l))).toHaveLength(suppressed);
  }, 180_000);

  it('when the list is read, searched, paged and changed, then it answers as API.md says; bad input is 4xx and changes nothing; another tenant sees 404; a viewer may read but not change', async () => {
    const owner = (await newTenant(p.url)).auth;
    const other = (await newTenant(p.url)).auth;
    const viewer = await keyOf(owner, 'viewer');
    const operator = await keyOf(owner, 'operator');

    const add = (auth: Record<string, string>, json: unknown) => call(p.url, 'POST', '/v1/dnc', { headers: auth, json });
    expect((await add(operator, { phone: '087630021323' })).status).toBe(201);
    const again = await add(owner, { phone: '+6287630021323', reason: 'again' });
    expect([again.status, again.body.rawPhone, again.body.reason]).toEqual([200, '087630021323', null]); // already listed: the entry as it was
    for (const ph of ['081200000001', '081200000002', '081300000003']) expect((await add(owner, { phone: ph })).status).toBe(201);

    // one entry, by E.164 with a literal + or as a roster reads it
    expect((await call(p.url, 'GET', '/v1/dnc/+6287630021323', { headers: viewer })).body).toMatchObject({ phone: '+6287630021323', source: 'api' });
    expect((await call(p.url, 'GET', '/v1/dnc/087630021323', { headers: viewer })).status).toBe(200);
    expect((await call(p.url, 'GET', '/v1/dnc/%2B6287630021323', { headers: viewer })).body.code).toBe('INVALID_PATH');
    // search (digits, a national 0 read as 62), source filter, cursor pages newest first
    const search = await call(p.url, 'GET', '/v1/dnc?phone=0812', { headers: viewer });
    expect(search.body.items.map((e: { phone: string }) => e.phone)).toEqual(['+6281200000002', '+6281200000001']);
    expect((await call(p.url, 'GET', '/v1/dnc?source=import', { headers: viewer })).body.items).toEqual([]);
    expect((await call(p.url, 'GET', '/v1/dnc?phone=ter_ref', { headers: viewer })).body).toEqual({ items: [], nextCursor: null }); // no digit: nothing matches
    const page1 = await call(p.url, 'GET', '/v1/dnc?limit=3', { headers: viewer });
    const page2 = await call(p.url, 'GET', `/v1/dnc?limit=3&cursor=${page1.body.nextCursor}`, { headers: viewer });
    expect([...page1.body.items, ...page2.body.items].map((e: { phone: string }) => e.phone)).toEqual(['+6281300000003', '+6281200000002', '+6281200000001', '+6287630021323']);
    expect(page2.body.nextCursor).toBeNull();
    expect((await call(p.url, 'GET', '/v1/dnc?cursor=bm90LWEtY3Vyc29y', { headers: viewer })).body.code).toBe('INVALID_CURSOR');

    // bad input: 4xx with its code, nothing listed
    const count = async () => (await allPages(p.url, owner, '/v1/dnc')).length;
    const n = await count();
    for (const [json, code] of [
      [{ phone: 'abc' }, 'INVALID_PHONE'],
      [{ phone: '0812' }, 'INVALID_PHONE'],
      [{ phone: '+6591234567' }, 'INVALID_PHONE'], // valid, but foreign under the allowed regions
      [{ phone: '' }, 'VALIDATION_FAILED'],
      [{ phone: '0812345678', extra: 1 }, 'VALIDATION_FAILED'],
    ] as const) {
      const res = await add(owner, json);
      expect([json, res.status, res.body.code]).toEqual([json, 400, code]);
    }
    expect((await call(p.url, 'GET', '/v1/dnc/not-a-number', { headers: owner })).body.code).toBe('INVALID_PHONE');
    const notXlsx = await importDnc(owner, Buffer.from('Phone\n081234567890\n'), 'text/csv');
    expect([notXlsx.status, notXlsx.body.code]).toEqual([415, 'DNC_IMPORT_NOT_XLSX']);
    const tooBig = await importDnc(owner, await dncXlsx(Array.from({ length: 20_000 }, (_, i) => `0812${String(i).padStart(8, '0')}`), () => randomBytes(16).toString('hex')));
    expect(tooBig.status).toBe(413);
    const bomb = await importDnc(owner, await dncXlsx(['081234567890'], 'a'.repeat(2_000_000)));
    expect([bomb.status, bomb.body.code]).toEqual([422, 'DNC_IMPORT_TOO_LARGE']);
    const noPhone = await importDnc(owner, await (async () => {
      const wb = new ExcelJS.Workbook();
      wb.addWorksheet('Sheet1').addRow(['Name', 'City']);
      return Buffer.from(await wb.xlsx.writeBuffer());
    })());
    expect([noPhone.status, noPhone.body.code]).toEqual([422, 'DNC_IMPORT_NO_PHONE_COLUMN']);
    const mixed = await importDnc(owner, await dncXlsx(['081200000001', 'not a phone', '+6591234567', '081299999999', '081299999999']));
    expect(mixed.body).toEqual({ added: 1, alreadyListed: 2, invalid: 2 });
    expect(await count()).toBe(n + 1);

    // another tenant: 404, never the entry; its own list is empty
    expect((await call(p.url, 'GET', '/v1/dnc/087630021323', { headers: other })).status).toBe(404);
    expect((await call(p.url, 'DELETE', '/v1/dnc/087630021323', { headers: other })).status).toBe(404);
    expect((await call(p.url, 'GET', '/v1/dnc', { headers: other })).body.items).toEqual([]);
    // a viewer reads, never changes
    expect((await add(viewer, { phone: '081234567891' })).status).toBe(403);
    expect((await importDnc(viewer, await dncXlsx(['081234567891']))).status).toBe(403);
    expect((await call(p.url, 'DELETE', '/v1/dnc/087630021323', { headers: viewer })).status).toBe(403);
    // removal
    expect((await call(p.url, 'DELETE', '/v1/dnc/+6287630021323', { headers: operator })).status).toBe(204);
    expect((await call(p.url, 'GET', '/v1/dnc/087630021323', { headers: owner })).body.code).toBe('DNC_NOT_FOUND');
    expect((await call(p.url, 'DELETE', '/v1/dnc/087630021323', { headers: owner })).status).toBe(404);
  });
});

describe('the calendar and the task time zone through the gateway', () => {
  it('when the tenant blacks out today and tomorrow, then a running task does not dial and nextCallAt is the window opening after them, in the task zone; skipBlackouts false dials', async () => {
    const owner = (await newTenant(p.url)).auth;
    const operator = await keyOf(owner, 'operator');
    const viewer = await keyOf(owner, 'viewer');
    const zone = 'Asia/Jayapura';
    const today = localTime(zone, new Date()).date;
    const put = await call(p.url, 'PUT', '/v1/calendar', { headers: owner, json: { blackouts: [{ from: today, to: addDays(today, 1), name: 'Lebaran' }] } });
    expect([put.status, put.body.blackouts]).toEqual([200, [{ from: today, to: addDays(today, 1), name: 'Lebaran' }]]);
    expect((await call(p.url, 'GET', '/v1/calendar', { headers: viewer })).body.blackouts).toHaveLength(1);
    expect((await call(p.url, 'PUT', '/v1/calendar', { headers: operator, json: { blackouts: [] } })).status).toBe(403);

    const recording = await uploadRecording(p.url, owner);
    const roster = await uploadRoster(p.url, owner, rosterRows(81255000000, 5));
    const create = (dialing: Record<string, unknown>, dryRun = false) =>
      call(p.url, 'POST', `/v1/tasks${dryRun ? '?dryRun=true' : ''}`, {
        headers: owner,
        json: { name: 'Blackout', recordingId: recording.body.id, rosterId: roster.body.id, start: { mode: 'immediate' }, dialing: { ...OPEN_DIALING, ...dialing } },
      });
    const opening = zonedInstant(addDays(today, 2), 8 * 3600, zone); // 08:00 WIT the day after the blackout
    const dialing = { timeZone: zone, callingWindow: { start: '08:00', end: '17:00', days: [1, 2, 3, 4, 5, 6, 7] } };
    // the task service learns the calendar from calendar.updated: a dry run shows it once it has
    await eventually(async () => (await create(dialing, true)).body.task?.nextCallAt === opening.toISOString(), 10_000, 100);
    const dry = await create(dialing, true);
    expect(dry.body.task).toMatchObject({ nextCallAtLocal: `${addDays(today, 2)}T08:00:00+09:00`, dialing: { timeZone: zone, skipBlackouts: true } });
    const blocked = await create(dialing);
    expect([blocked.status, blocked.body.nextCallAt, blocked.body.nextCallAtLocal]).toEqual([201, opening.toISOString(), `${addDays(today, 2)}T08:00:00+09:00`]);
    // a task of the same tenant that ignores the calendar dials and completes; the blacked-out one has dialled nothing by then
    const free = await create({ timeZone: zone, skipBlackouts: false });
    await eventually(async () => (await call(p.url, 'GET', `/v1/tasks/${free.body.id}`, { headers: owner })).body.status === 'completed', 30_000, 100);
    expect((await simCallsPerNumber(blocked.body.id)).size).toBe(0);
    expect((await call(p.url, 'GET', `/v1/tasks/${blocked.body.id}`, { headers: viewer })).body).toMatchObject({ status: 'running', nextCallAt: opening.toISOString(), progress: { pending: 5 } });

    // bad input: 400 and nothing changed
    for (const blackouts of [
      [{ date: '2026-02-30', name: 'No such day' }],
      [{ from: '2026-03-10', to: '2026-03-01', name: 'Reversed' }],
      [{ date: '2026-3-1', name: 'Not a date' }],
      Array.from({ length: 367 }, (_, i) => ({ date: addDays('2027-01-01', i), name: `Day ${i}` })),
    ]) {
      const res = await call(p.url, 'PUT', '/v1/calendar', { headers: owner, json: { blackouts } });
      expect([res.status, res.body.code]).toEqual([400, 'VALIDATION_FAILED']);
    }
    expect((await call(p.url, 'GET', '/v1/calendar', { headers: owner })).body.blackouts).toEqual([{ from: today, to: addDays(today, 1), name: 'Lebaran' }]);
    const ok366 = await call(p.url, 'PUT', '/v1/calendar', { headers: owner, json: { blackouts: Array.from({ length: 366 }, (_, i) => ({ date: addDays('2027-01-01', i), name: `Day ${i}` })) } });
    expect(ok366.status).toBe(200);
    for (const zoneName of ['Mars/Olympus', 'WIB', '+07:00']) {
      const res = await create({ timeZone: zoneName });
      expect([zoneName, res.status, res.body.errors?.[0]?.field]).toEqual([zoneName, 400, 'dialing.timeZone']);
    }
    // another tenant's calendar is its own
    const other = (await newTenant(p.url)).auth;
    expect((await call(p.url, 'GET', '/v1/calendar', { headers: other })).body).toEqual({ blackouts: [], updatedAt: null });
  });
});

describe('retries per outcome through the gateway', () => {
  it('when busy has 3 attempts and no-answer 2, then each number is retried by its own rule and its follow-up SMS goes once, after its last attempt', async () => {
    const { auth } = await newTenant(p.url);
    const recording = await uploadRecording(p.url, auth);
    const rows = rosterRows(81277000000, 10); // last digits 0–9: the simulated carrier's outcome per digit
    const roster = await uploadRoster(p.url, auth, rows);
    const task = await call(p.url, 'POST', '/v1/tasks', {
      headers: auth,
      json: {
        name: 'Retries',
        recordingId: recording.body.id,
        rosterId: roster.body.id,
        start: { mode: 'immediate' },
        sms: await smsSetup(auth),
        dialing: { ...OPEN_DIALING, maxAttempts: 1, retryDelayMinutes: 0, retry: { busy: { maxAttempts: 3, delayMinutes: 0 }, no_answer: { maxAttempts: 2, delayMinutes: 0 } } },
      },
    });
    expect(task.status).toBe(201);
    const taskId = task.body.id as string;
    await eventually(async () => (await call(p.url, 'GET', `/v1/tasks/${taskId}`, { headers: auth })).body.status === 'completed', 60_000, 200);
    const calls = await simCallsPerNumber(taskId);
    const byDigit = (d: string) => calls.get(e164(rows[Number(d)].phone));
    // 5 no answer: 2 attempts; 6 busy: 3; 7 unavailable (no rule, maxAttempts 1): 1; 8 no answer then answered: 2; 0 and 3 answered, 9 failed: 1
    expect(['0', '3', '5', '6', '7', '8', '9'].map(byDigit)).toEqual([1, 1, 2, 3, 1, 2, 1]);

    // every number's follow-up decided once its last attempt ended: one message at most, made after that attempt
    const finals = new Map((await allPages(p.url, auth, `/v1/tasks/${taskId}/calls`)).map((c) => [c.phone as string, c]));
    const messages = await eventually(async () => {
      const list = await allPages(p.url, auth, `/v1/sms-messages?taskId=${taskId}`);
      return list.length >= 6 ? list : undefined;
    });
    const kinds = (d: string) => messages.filter((m) => m.phone === e164(rows[Number(d)].phone)).map((m) => m.kind);
    expect(['0', '3', '5', '6', '7', '8', '9'].map(kinds)).toEqual([['disconnect'], ['disconnect'], ['unanswered'], ['unanswered'], ['unanswered'], ['disconnect'], []]);
    for (const m of messages) {
      const last = finals.get(m.phone);
      expect([m.phone, last?.attempt]).toEqual([m.phone, calls.get(m.phone)]);
      // (at SIM_TIME_SCALE 0 a call's endedAt is its start plus the talk time it would have taken)
      expect(Date.parse(m.createdAt)).toBeGreaterThanOrEqual(Date.parse(last.startedAt));
    }
    expect(new Set(messages.map((m) => m.phone)).size).toBe(messages.length);
  }, 90_000);
});

describe('the end time through the gateway', () => {
  it('when endAt comes mid-run, then the pending numbers end expired (no call, no SMS, not calls), the task completes with pending 0, and the report shows them', async () => {
    const { auth } = await newTenant(p.url);
    const recording = await uploadRecording(p.url, auth);
    const rows = rosterRows(81266000000, 60);
    const roster = await uploadRoster(p.url, auth, rows);
    const endAt = new Date(Date.now() + 2500);
    const task = await call(p.url, 'POST', '/v1/tasks', {
      headers: auth,
      json: { name: 'Ends', recordingId: recording.body.id, rosterId: roster.body.id, start: { mode: 'immediate' }, sms: await smsSetup(auth), dialing: { ...OPEN_DIALING, callsPerSecond: 10, endAt: endAt.toISOString() } },
    });
    expect([task.status, task.body.dialing.endAt]).toEqual([201, endAt.toISOString()]);
    const done = await eventually(
      async () => {
        const t = await call(p.url, 'GET', `/v1/tasks/${task.body.id}`, { headers: auth });
        return t.body.status === 'completed' ? t.body : undefined;
      },
      30_000,
      200,
    );
    const calls = await simCallsPerNumber(task.body.id);
    expect(done.progress.expired).toBeGreaterThan(0);
    expect(done.progress).toMatchObject({ total: 60, pending: 0, suppressed: 0, cancelled: 0, percent: 100 });
    expect(calls.size).toBe(60 - done.progress.expired);
    const expiredPhones = rows.map((r) => e164(r.phone)).filter((ph) => !calls.has(ph));
    const messages = await allPages(p.url, auth, `/v1/sms-messages?taskId=${task.body.id}`);
    expect(messages.filter((m) => expiredPhones.includes(m.phone))).toEqual([]);
    expect((await allPages(p.url, auth, `/v1/tasks/${task.body.id}/calls`)).filter((c) => expiredPhones.includes(c.phone))).toEqual([]);
    const report = await call(p.url, 'GET', `/v1/tasks/${task.body.id}/report?format=csv`, { headers: auth });
    expect(report.text.split('\r\n').filter((l) => /,expired,/.test(l))).toHaveLength(done.progress.expired);
    // a task's endAt before its start is refused
    const bad = await call(p.url, 'POST', '/v1/tasks', {
      headers: auth,
      json: { name: 'Ends', recordingId: recording.body.id, rosterId: roster.body.id, start: { mode: 'immediate' }, dialing: { endAt: new Date(Date.now() - 60_000).toISOString() } },
    });
    expect([bad.status, bad.body.code]).toEqual([422, 'END_BEFORE_START']);
  });
});


describe('the contact policy through the gateway', () => {
  it('when an admin caps calls at 1 a day, then two tasks over the same roster call each number once in total and the second task waits; viewers read it, only admins change it, caps of 0 or 11 are 400', async () => {
    const owner = (await newTenant(p.url)).auth;
    const operator = await keyOf(owner, 'operator');
    const viewer = await keyOf(owner, 'viewer');
    expect((await call(p.url, 'GET', '/v1/contact-policy', { headers: viewer })).body).toEqual({ maxCallsPerNumberPerDay: null, maxSmsPerNumberPerDay: null, updatedAt: null });
    const policy = { maxCallsPerNumberPerDay: 1, maxSmsPerNumberPerDay: null };
    expect((await call(p.url, 'PUT', '/v1/contact-policy', { headers: viewer, json: policy })).status).toBe(403);
    expect((await call(p.url, 'PUT', '/v1/contact-policy', { headers: operator, json: policy })).status).toBe(403);
    for (const bad of [{ maxCallsPerNumberPerDay: 0, maxSmsPerNumberPerDay: null }, { maxCallsPerNumberPerDay: 11, maxSmsPerNumberPerDay: null }, { maxCallsPerNumberPerDay: 1, maxSmsPerNumberPerDay: 0 }, { maxCallsPerNumberPerDay: 1, maxSmsPerNumberPerDay: 11 }]) {
      const res = await call(p.url, 'PUT', '/v1/contact-policy', { headers: owner, json: bad });
      expect([res.status, res.body.code]).toEqual([400, 'VALIDATION_FAILED']);
    }
    expect((await call(p.url, 'GET', '/v1/contact-policy', { headers: owner })).body.maxCallsPerNumberPerDay).toBeNull();
    const put = await call(p.url, 'PUT', '/v1/contact-policy', { headers: owner, json: policy });
    expect([put.status, put.body]).toEqual([200, { ...policy, updatedAt: expect.any(String) }]);
    expect((await call(p.url, 'GET', '/v1/contact-policy', { headers: viewer })).body).toEqual(put.body);
    expect((await call(p.url, 'GET', '/v1/contact-policy', { headers: (await newTenant(p.url)).auth })).body.maxCallsPerNumberPerDay).toBeNull();

    const recording = await uploadRecording(p.url, owner);
    const roster = await uploadRoster(p.url, owner, rosterRows(81256000000, 5));
    const create = () =>
      call(p.url, 'POST', '/v1/tasks', { headers: owner, json: { name: 'Capped', recordingId: recording.body.id, rosterId: roster.body.id, start: { mode: 'immediate' }, dialing: OPEN_DIALING } });
    const first = await create();
    await eventually(async () => (await call(p.url, 'GET', `/v1/tasks/${first.body.id}`, { headers: owner })).body.status === 'completed', 30_000, 100);
    const second = await create();
    // its numbers' turn comes and each waits for tomorrow (the window is all day: the next local midnight), never called
    const tomorrow = zonedInstant(addDays(localTime('Asia/Jakarta', new Date()).date, 1), 0, 'Asia/Jakarta');
    await eventually(
      async () => (await sql(`SELECT 1 FROM dialer.call_attempts WHERE task_id = $1 AND status = 'queued' AND due_at >= $2::timestamptz - interval '5 seconds'`, [second.body.id, tomorrow.toISOString()])).length === 5,
      20_000,
      100,
    );
    expect((await simCallsPerNumber(second.body.id)).size).toBe(0);
    expect([...(await simCallsPerNumber(first.body.id)).values()]).toEqual([1, 1, 1, 1, 1]);
    expect((await call(p.url, 'GET', `/v1/tasks/${second.body.id}`, { headers: viewer })).body).toMatchObject({ status: 'running', progress: { pending: 5 } });
  });
});
