/**
 * music-metadata (the recording service) exports only import / module-sync conditions.
 * @jest-environment-options {"customExportConditions": ["node", "node-addons", "module-sync"]}
 */
import { readFileSync } from 'node:fs';
import ExcelJS from 'exceljs';
import type { Page } from 'playwright-core';
import { admin } from '../../test/helpers';
import { allPages, call, OPEN_DIALING, rosterRows, uploadRecording, uploadRoster } from '../../../test/e2e/platform';
import { CALLS_PAGE_SIZE } from '../src/task-detail/calls';
import { counterLabel, OUTCOME_COUNTERS, SMS_COUNTERS, type Counter } from '../src/task-detail/counters';
import { describeInBrowser, seriousViolations, startRig, type Opened, type Rig } from './rig';

// The task detail page: a task's settings, live progress and every outcome counter, its calls page by page, its reports.
jest.setTimeout(180_000);
const ROWS = 60;
let rig: Rig;
let task: { id: string; name: string };
let templates: { thanks: string; missed: string };
let recordingId: string;

beforeAll(async () => {
  if (describeInBrowser !== describe) return;
  rig = await startRig();
  const auth = rig.tenant.auth;
  const recording = await uploadRecording(rig.base, auth);
  // 60 numbers, last digits 0–9 six times over: the simulated carrier's every outcome (answered, no answer, busy, unavailable, failed)
  const roster = await uploadRoster(rig.base, auth, rosterRows(87630021300, ROWS), 'Detail roster');
  expect([recording.status, roster.status, roster.body.counts?.valid]).toEqual([201, 201, ROWS]);
  recordingId = recording.body.id;
  const template = async (name: string, content: string) => {
    const res = await call(rig.base, 'POST', '/v1/sms-templates', { headers: auth, json: { name, content } });
    expect([res.status, res.body.status]).toEqual([201, 'approved']);
    return res.body.id as string;
  };
  templates = { thanks: await template('Thanks', 'Thanks {{name}}.'), missed: await template('Missed', 'Sorry we missed you {{name}}.') };
  const account = await call(rig.base, 'PUT', '/v1/sms-account', { headers: auth, json: { provider: 'simulated', senderId: 'AUTOCALL', status: 'active' } });
  expect(account.status).toBe(200);
  const made = await call(rig.base, 'POST', '/v1/tasks', {
    headers: auth,
    json: {
      name: 'Detail Promotion',
      recordingId: recording.body.id,
      rosterId: roster.body.id,
      start: { mode: 'immediate' },
      sms: { onDisconnect: { enabled: true, templateId: templates.thanks, when: 'anyAnswered' }, onUnanswered: { enabled: true, templateId: templates.missed } },
      // 10 calls a second: the 60 numbers take some seconds, long enough to watch the page follow them
      dialing: { ...OPEN_DIALING, callsPerSecond: 10 },
    },
  });
  expect([made.status, made.body.status]).toEqual([201, 'running']);
  task = { id: made.body.id, name: made.body.name };
});
afterAll(async () => rig?.close());

const apiTask = async () => (await call(rig.base, 'GET', `/v1/tasks/${task.id}`, { headers: rig.tenant.auth })).body;

/** The value shown beside a fact's label in the settings list. */
const fact = (page: Page, label: string) => page.locator('.facts .fact').filter({ has: page.getByRole('term').getByText(label, { exact: true }) }).getByRole('definition');

/** The count a counts table shows for a counter (its row header is the counter's words). */
async function shownCount(o: Opened, table: string, counter: Counter): Promise<number> {
  const row = o.page.getByRole('table', { name: o.t(table as never) }).getByRole('row').filter({ has: o.page.getByRole('rowheader', { name: o.t(counterLabel(counter)), exact: true }) });
  return Number(await row.getByRole('cell').first().textContent());
}

/** The phone numbers the calls table shows now. */
async function shownPhones(o: Opened): Promise<string[]> {
  const grid = o.page.getByRole('grid', { name: o.t('detail.calls.table', { name: task.name }) });
  return grid.getByRole('rowheader').allTextContents();
}

/** `2026-01-15T02:00:00.000Z` → `2026-01-15 09:00` (WIB is UTC+7 all year). */
const wib = (iso: string) => new Date(Date.parse(iso) + 7 * 3_600_000).toISOString().slice(0, 16).replace('T', ' ');

describeInBrowser('the task detail page', () => {
  it('when a running task is opened, then its settings are shown and the progress follows it to completed, every counter as the API counts it', async () => {
    const o = await rig.open({ path: `/scheduler/${task.id}` });
    const { page, t } = o;
    await page.getByRole('heading', { level: 1, name: 'Detail Promotion' }).waitFor();
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Detail Promotion');
    // the page opened while calls still go out
    expect(await fact(page, t('detail.status')).textContent()).toBe(t('tasks.status.running'));
    expect(await fact(page, t('detail.startTime')).textContent()).toBe(t('detail.start.immediate'));
    expect(await fact(page, t('detail.startedAt')).textContent()).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d WIB$/);
    await fact(page, t('detail.recording')).getByText('E2E recording').waitFor();
    await fact(page, t('detail.roster')).getByText('Detail roster').waitFor();
    await fact(page, t('detail.sms.onDisconnect')).getByText(t('detail.sms.templateWhen', { template: 'Thanks', when: t('detail.sms.when.anyAnswered') })).waitFor();
    await fact(page, t('detail.sms.onUnanswered')).getByText(t('detail.sms.template', { template: 'Missed' })).waitFor();
    expect(await fact(page, t('detail.window')).textContent()).toBe(t('detail.window.value', { start: '00:00', end: '24:00', zone: 'WIB', days: t('detail.window.everyDay') }));

    // polled until completed, without a reload
    await fact(page, t('detail.status')).getByText(t('tasks.status.completed'), { exact: true }).waitFor({ timeout: 90_000 });
    const progress = page.getByRole('progressbar', { name: t('detail.progressOf', { name: task.name }) });
    expect(await progress.getAttribute('aria-valuenow')).toBe('100');
    expect(await fact(page, t('detail.completedAt')).textContent()).toMatch(/ WIB$/);

    const held = await apiTask();
    expect(held.status).toBe('completed');
    expect(held.progress).toMatchObject({ total: ROWS, pending: 0, answered: 30, noAnswer: 12, busy: 6, unavailable: 6, failed: 6, cancelled: 0 });
    const outcomes = OUTCOME_COUNTERS.filter((c) => typeof held.progress[c] === 'number');
    for (const c of outcomes) expect([c, await shownCount(o, 'detail.outcomes.table', c)]).toEqual([c, held.progress[c]]);
    const chart = page.getByRole('img', { name: new RegExp(`^${t('detail.outcomes.chart', { total: ROWS, list: '' })}`) });
    expect(await chart.getAttribute('aria-label')).toBe(
      t('detail.outcomes.chart', { total: ROWS, list: outcomes.map((c) => t('detail.chartItem', { count: held.progress[c], label: t(counterLabel(c)) })).join(', ') }),
    );

    // the follow-up SMS go out after the calls: the page keeps asking until the API's counters are there
    await page.getByRole('table', { name: t('detail.smsTable') }).waitFor();
    const sms = await waitForSms();
    for (const c of SMS_COUNTERS) await expectShown(o, 'detail.smsTable', c, sms[c]);
    expect(sms.smsSent + sms.smsFailed).toBe(54);
    const smsList = SMS_COUNTERS.map((c) => t('detail.chartItem', { count: sms[c], label: t(counterLabel(c)) })).join(', ');
    await page.getByRole('img', { name: t('detail.smsChart', { list: smsList }), exact: true }).waitFor();

    expect(await seriousViolations(page)).toEqual([]);
    // docs/console/task-detail.png is start.browser.test.ts's: a four-number task, the page whole
    expect(o.problems).toEqual([]);
  });

  it('when the calls are paged and filtered, then each page holds the API\'s rows in its order and the filter shows only that outcome', async () => {
    const o = await rig.open({ path: `/scheduler/${task.id}` });
    const { page, t } = o;
    const all = (await allPages(rig.base, rig.tenant.auth, `/v1/tasks/${task.id}/calls`)).map((c) => c.phone as string);
    expect(all).toHaveLength(ROWS);
    // every page is one request of one page's rows, never the whole list
    const asked: URL[] = [];
    page.on('request', (r) => {
      const url = new URL(r.url());
      if (url.pathname === `/v1/tasks/${task.id}/calls`) asked.push(url);
    });
    const paging = page.getByRole('navigation', { name: t('paging.label') });
    const next = paging.getByRole('button', { name: t('paging.next') });
    const previous = paging.getByRole('button', { name: t('paging.previous') });

    await expectPhones(o, all.slice(0, CALLS_PAGE_SIZE));
    expect(await previous.isDisabled()).toBe(true);
    await next.click();
    await paging.getByText(t('detail.calls.page', { page: 2 })).waitFor();
    await expectPhones(o, all.slice(CALLS_PAGE_SIZE, 2 * CALLS_PAGE_SIZE));
    // by keyboard too: Next is reachable with Tab and pressed with Enter
    await next.focus();
    await page.keyboard.press('Enter');
    await expectPhones(o, all.slice(2 * CALLS_PAGE_SIZE));
    expect(await next.isDisabled()).toBe(true);
    await previous.click();
    await expectPhones(o, all.slice(CALLS_PAGE_SIZE, 2 * CALLS_PAGE_SIZE));
    expect(asked.map((u) => u.searchParams.get('limit'))).toEqual(asked.map(() => String(CALLS_PAGE_SIZE)));
    // pages 2 and 3 each by its own cursor; back to page 2 by the cursor already followed
    expect(new Set(asked.map((u) => u.searchParams.get('cursor')).filter(Boolean)).size).toBe(2);

    // React Aria's Select button is named by its value and its label ("All Outcome")
    await page.getByRole('button', { name: t('detail.calls.filter') }).click();
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByRole('option', { name: t('detail.outcome.busy'), exact: true }).click();
    await paging.getByText(t('detail.calls.page', { page: 1 })).waitFor();
    const busyCalls = await allPages(rig.base, rig.tenant.auth, `/v1/tasks/${task.id}/calls?outcome=busy`);
    const busy = busyCalls.map((c) => c.phone as string);
    expect(busy).toHaveLength(6);
    await expectPhones(o, busy);
    const grid = page.getByRole('grid', { name: t('detail.calls.table', { name: task.name }) });
    const column = (i: number) => grid.getByRole('row').filter({ has: page.getByRole('rowheader') }).evaluateAll((rows, k) => rows.map((r) => r.children[k]?.textContent), i);
    expect(await column(2)).toEqual(busy.map(() => t('detail.outcome.busy')));
    // started and ended in the task's zone with its offset, beside UTC (`2026-01-15 09:00 WIB (UTC+07:00) · 2026-01-15 02:00 UTC`)
    const inWib = (iso: string) => `${wib(iso)} WIB (UTC+07:00) · ${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
    expect(await column(3)).toEqual(busyCalls.map((c) => inWib(c.startedAt)));
    expect(await column(4)).toEqual(busyCalls.map((c) => inWib(c.endedAt)));
    expect(await next.isDisabled()).toBe(true);
    expect(await seriousViolations(page)).toEqual([]);
    expect(o.problems).toEqual([]);
  });

  it('when Download Report is clicked, then the browser saves the xlsx and the csv with one row per number', async () => {
    const o = await rig.open({ path: `/scheduler/${task.id}` });
    const { page, t } = o;
    const phones = new Set((await allPages(rig.base, rig.tenant.auth, `/v1/tasks/${task.id}/calls`)).map((c) => c.phone as string));

    const xlsx = await download(page, t('detail.report.xlsx'));
    expect(xlsx.name).toBe(`task-${task.id}-report.xlsx`);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(readFileSync(xlsx.path) as unknown as ArrayBuffer);
    const sheet = book.worksheets[0]!;
    const header = (sheet.getRow(1).values as unknown[]).slice(1);
    const phoneColumn = header.indexOf('Phone Number') + 1;
    expect(phoneColumn).toBeGreaterThan(0);
    expect(sheet.actualRowCount).toBe(ROWS + 1);
    const xlsxPhones = new Set<string>();
    sheet.eachRow((row, n) => n > 1 && xlsxPhones.add(String(row.getCell(phoneColumn).value)));
    // the report escapes cells that start with + (API.md: formula injection), so a phone reads '+62…
    const escaped = new Set([...phones].map((p) => `'${p}`));
    expect(xlsxPhones).toEqual(escaped);

    const csv = await download(page, t('detail.report.csv'));
    expect(csv.name).toBe(`task-${task.id}-report.csv`);
    const lines = readFileSync(csv.path, 'utf8').trim().split(/\r?\n/);
    expect(lines).toHaveLength(ROWS + 1);
    expect(lines[0]).toContain('Phone Number');
    expect(new Set(lines.slice(1).map((l) => l.split(',')[1]))).toEqual(escaped);
    expect(o.problems).toEqual([]);
  });

  it('when a task is scheduled for 09:00 WIB, then a browser in New York sees 09:00 WIB, the status Scheduled and its SMS off', async () => {
    const { recordingId, rosterId } = await apiTask();
    const tomorrow = new Date(Date.now() + 86_400_000).toLocaleDateString('en-CA', { timeZone: 'Asia/Jakarta' });
    const made = await call(rig.base, 'POST', '/v1/tasks', { headers: rig.tenant.auth, json: { name: 'Detail Later', recordingId, rosterId, start: { mode: 'scheduled', at: `${tomorrow}T09:00` } } });
    expect([made.status, made.body.status]).toEqual([201, 'scheduled']);
    const o = await rig.open({ path: `/scheduler/${made.body.id}` });
    const { page, t } = o;
    await page.getByRole('heading', { level: 1, name: 'Detail Later' }).waitFor();
    expect(await fact(page, t('detail.status')).textContent()).toBe(t('tasks.status.scheduled'));
    expect(await fact(page, t('detail.startTime')).textContent()).toBe(t('detail.start.scheduled', { time: `${tomorrow} 09:00 WIB (UTC+07:00) · ${tomorrow} 02:00 UTC` }));
    expect(await fact(page, t('detail.sms.onDisconnect')).textContent()).toBe(t('detail.sms.off'));
    expect(await fact(page, t('detail.sms.onUnanswered')).textContent()).toBe(t('detail.sms.off'));
    expect(await fact(page, t('detail.window')).textContent()).toBe(t('detail.window.value', { start: '08:00', end: '20:00', zone: 'WIB', days: t('detail.window.everyDay') }));
    await page.getByRole('grid', { name: t('detail.calls.table', { name: 'Detail Later' }) }).getByText(t('detail.calls.empty')).waitFor();
    expect(await shownCount(o, 'detail.outcomes.table', 'pending')).toBe(ROWS);
    expect(await seriousViolations(page)).toEqual([]);
    expect(o.problems).toEqual([]);
  });

  it('when the id is unknown, another tenant\'s or not an id, then the page says there is no such task', async () => {
    const other = await call(rig.base, 'POST', '/v1/admin/tenants', { headers: admin, json: { name: 'Other tenant' } });
    expect(other.status).toBe(201);
    const ids = ['0190a4d2-0000-7000-8000-000000000000', 'not-a-task', await foreignTask(other.body.apiKey as string)];
    for (const id of ids) {
      const o = await rig.open({ path: `/scheduler/${id}` });
      await o.page.getByRole('alert').getByText(o.t('detail.notFound')).waitFor();
      await o.page.getByRole('link', { name: o.t('detail.back') }).waitFor();
      expect(await seriousViolations(o.page)).toEqual([]);
      expect(o.problems).toEqual([]);
    }
  });

  it('when the page is read in 中文 (by the owner) and in Bahasa Indonesia (by a viewer), then its words are the language\'s', async () => {
    // a viewer may read the task too (API.md roles: every GET of a task is a viewer's)
    const viewer = await rig.person('viewer');
    for (const language of ['zh', 'id'] as const) {
      const o = await rig.open({ path: `/scheduler/${task.id}`, language, as: language === 'id' ? viewer : rig.tenant.owner });
      const { page, t } = o;
      await page.getByRole('heading', { level: 2, name: t('detail.progress') }).waitFor();
      await page.getByRole('heading', { level: 2, name: t('detail.calls') }).waitFor();
      await page.getByRole('link', { name: t('detail.report.xlsx') }).waitFor();
      expect(await fact(page, t('detail.status')).textContent()).toBe(t('tasks.status.completed'));
      expect(await shownCount(o, 'detail.outcomes.table', 'answered')).toBe(30);
      expect(await page.getByRole('table', { name: t('detail.outcomes.table') }).getByRole('rowheader', { name: t('detail.counter.noAnswer') }).count()).toBe(1);
      expect(await seriousViolations(page)).toEqual([]);
      expect(o.problems).toEqual([]);
    }
  });

  /** A task of 12 numbers at 2 calls a second (some seconds of progress to follow), made right after its page is opened. */
  async function slowTask(name: string, first: number) {
    const roster = await uploadRoster(rig.base, rig.tenant.auth, rosterRows(first, 12), name);
    const made = await call(rig.base, 'POST', '/v1/tasks', { headers: rig.tenant.auth, json: { name, recordingId, rosterId: roster.body.id, start: { mode: 'immediate' }, dialing: { ...OPEN_DIALING, callsPerSecond: 2 } } });
    expect(made.status).toBe(201);
    return made.body.id as string;
  }

  /** Samples the pending count the page shows until the task shows Completed; the distinct values seen, in order. */
  async function followToCompleted(o: Opened): Promise<number[]> {
    const seen: number[] = [];
    const completed = o.t('tasks.status.completed');
    for (const end = Date.now() + 60_000; Date.now() < end; ) {
      const pending = await shownCount(o, 'detail.outcomes.table', 'pending').catch(() => NaN);
      if (!Number.isNaN(pending) && seen[seen.length - 1] !== pending) seen.push(pending);
      if ((await fact(o.page, o.t('detail.status')).textContent()) === completed && pending === 0) return seen;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`not completed; pending seen: ${seen.join(', ')}`);
  }

  it('when a running task is opened, then its progress and its completion arrive on the live stream: the page reads the task once more when the stream opens and never polls it', async () => {
    const id = await slowTask('Streamed Task', 87630022000);
    const o = await rig.open({ path: '/scheduler' });
    const reads: string[] = [];
    const streams: string[] = [];
    o.page.on('request', (r) => {
      const url = new URL(r.url());
      if (url.pathname === `/v1/tasks/${id}` && r.method() === 'GET') reads.push(url.pathname);
      if (url.pathname === '/v1/events') streams.push(url.search);
    });
    await o.page.goto(`${rig.base}/console/scheduler/${id}`);
    await o.page.getByRole('heading', { level: 1, name: 'Streamed Task' }).waitFor();
    const seen = await followToCompleted(o);
    // several steps of progress shown on the way (some seconds at 2 calls a second), with only the first read and the one when the stream opened
    expect(seen.length).toBeGreaterThanOrEqual(3);
    expect(seen[seen.length - 1]).toBe(0);
    expect(streams).toHaveLength(1);
    expect(streams[0]).toContain(`taskId=${id}`);
    expect(reads.length).toBeLessThanOrEqual(2);
    const api = (await call(rig.base, 'GET', `/v1/tasks/${id}`, { headers: rig.tenant.auth })).body;
    for (const c of OUTCOME_COUNTERS.filter((k) => k in api.progress)) expect([c, await shownCount(o, 'detail.outcomes.table', c)]).toEqual([c, api.progress[c]]);
    expect(o.problems).toEqual([]);
  });

  it('when the live stream cannot be had, then the page falls back to polling and still follows the task to completed', async () => {
    const id = await slowTask('Polled Task', 87630023000);
    const o = await rig.open({ path: '/scheduler' });
    let refused = 0;
    // the gateway's answer replaced by a 503 (an outage of the events service, as the browser sees it)
    await o.page.route((url) => url.pathname === '/v1/events', async (route) => {
      refused += 1;
      await route.fulfill({ status: 503, contentType: 'application/problem+json', body: JSON.stringify({ title: 'Service Unavailable', status: 503, code: 'DEPENDENCY_UNAVAILABLE' }) });
    });
    const reads: string[] = [];
    o.page.on('request', (r) => {
      if (new URL(r.url()).pathname === `/v1/tasks/${id}` && r.method() === 'GET') reads.push(r.url());
    });
    await o.page.goto(`${rig.base}/console/scheduler/${id}`);
    await o.page.getByRole('heading', { level: 1, name: 'Polled Task' }).waitFor();
    const seen = await followToCompleted(o);
    expect(seen[seen.length - 1]).toBe(0);
    expect(refused).toBeGreaterThanOrEqual(1);
    expect(reads.length).toBeGreaterThanOrEqual(2);
    // the refused stream is the browser's "failed to load" of the 503, not a script error
    expect(o.problems.filter((p) => !/\/v1\/events/.test(p) && !/EventSource/.test(p))).toEqual([]);
  });
});

/** The SMS counters once the API's have settled (every follow-up SMS of the 54 unanswered-or-answered numbers decided). */
async function waitForSms(): Promise<{ smsSent: number; smsFailed: number }> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const { progress } = await apiTask();
    if (progress.smsSent + progress.smsFailed >= 54 || Date.now() > deadline) return progress;
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Waits for a counts table to show `count` for `counter` (the page's own polling brings it). */
async function expectShown(o: Opened, table: string, counter: Counter, count: number) {
  const deadline = Date.now() + 30_000;
  let shown = await shownCount(o, table, counter);
  while (shown !== count && Date.now() < deadline) {
    await o.page.waitForTimeout(250);
    shown = await shownCount(o, table, counter);
  }
  expect([counter, shown]).toEqual([counter, count]);
}

/** Waits for the calls table to show exactly these phones, in this order. */
async function expectPhones(o: Opened, phones: string[]) {
  const deadline = Date.now() + 15_000;
  let shown = await shownPhones(o);
  while (shown.join() !== phones.join() && Date.now() < deadline) {
    await o.page.waitForTimeout(100);
    shown = await shownPhones(o);
  }
  expect(shown).toEqual(phones);
}

async function download(page: Page, name: string): Promise<{ name: string; path: string }> {
  const [file] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name }).click()]);
  const path = await file.path();
  expect(await file.failure()).toBeNull();
  return { name: file.suggestedFilename(), path };
}

/** A completed-or-not task of another tenant: its id must look unknown from this one. */
async function foreignTask(apiKey: string): Promise<string> {
  const auth = { authorization: `Bearer ${apiKey}` };
  const recording = await uploadRecording(rig.base, auth);
  const roster = await uploadRoster(rig.base, auth, rosterRows(87630029900, 2), 'Foreign roster');
  const made = await call(rig.base, 'POST', '/v1/tasks', { headers: auth, json: { name: 'Foreign', recordingId: recording.body.id, rosterId: roster.body.id, start: { mode: 'immediate' }, dialing: OPEN_DIALING } });
  expect(made.status).toBe(201);
  return made.body.id as string;
}
