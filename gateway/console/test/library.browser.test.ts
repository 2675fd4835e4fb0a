/**
 * music-metadata (the recording service) exports only import / module-sync conditions.
 * @jest-environment-options {"customExportConditions": ["node", "node-addons", "module-sync"]}
 */
import ExcelJS from 'exceljs';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { call, uploadRecording, uploadRoster } from '../../../test/e2e/platform';
import { describeInBrowser, SCREENSHOTS, seriousViolations, startRig, type Opened, type Rig } from './rig';

// SMS Templates, Task Roster and Recording Files, walked as the product manual words them, against the whole platform.
jest.setTimeout(180_000);
let rig: Rig;
const files = mkdtempSync(join(tmpdir(), 'console-library-'));
const FIXTURE_MP3 = join(__dirname, '..', '..', '..', 'services', 'recording', 'test', 'fixtures', 'mono-8k.mp3');
/** rows of the large roster whose validation takes long enough to watch */
const ROWS = 40_000;
const FIXTURE_WAV = join(__dirname, '..', '..', '..', 'services', 'recording', 'test', 'fixtures', 'not-mp3.wav');

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  if (describeInBrowser === describe) rig = await startRig();
});
afterAll(async () => rig?.close());

const api = (method: string, path: string, json?: unknown) => call(rig.base, method, path, { headers: rig.tenant.auth, json });

/** What the test uses of the page's <audio> (this file is typed for Node, without the DOM). */
interface AudioElement {
  duration: number;
  preload: string;
  error: { code: number } | null;
  load(): void;
  addEventListener(type: 'loadedmetadata' | 'error', listener: () => void, options: { once: boolean }): void;
}

/** The dialog open now, by its title. */
const dialog = (page: Page, title: string) => page.getByRole('dialog', { name: title });
/** The table row whose row header is `name`. */
const row = (page: Page, name: string) => page.getByRole('row', { name: new RegExp(name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) });

/** Chooses `path` through the "Select File" button's file chooser, as a person does. */
async function selectFile(o: Opened, scope: ReturnType<Page['getByRole']>, path: string) {
  const chooser = o.page.waitForEvent('filechooser');
  await scope.getByRole('button', { name: o.t('library.file.select') }).click();
  await (await chooser).setFiles(path);
}

describeInBrowser('SMS Templates', () => {
  it('when an owner adds a template, then the counter counts as the API (161 GSM characters are 2 segments), the variables insert, and Edit and Delete change what the API holds', async () => {
    const o = await rig.open({ path: '/sms-templates' });
    const { page, t } = o;
    await page.getByRole('heading', { name: t('nav.smsTemplates') }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);

    await page.getByRole('button', { name: t('common.add') }).click();
    const add = dialog(page, t('templates.addTitle'));
    await add.getByRole('textbox', { name: t('templates.field.name') }).fill('Unanswered Call Notification 2026 Promotion');
    const content = add.getByRole('textbox', { name: t('templates.field.content') });
    await content.fill('a'.repeat(161));
    await add.getByText(t('templates.counter', { encoding: 'GSM-7', units: 161, perSegment: 153, segments: 2 })).waitFor();
    await content.fill('a'.repeat(160));
    await add.getByText(t('templates.counter', { encoding: 'GSM-7', units: 160, perSegment: 160, segments: 1 })).waitFor();
    await content.fill('Dear ');
    await add.getByRole('button', { name: t('templates.insert', { variable: '{{name}}' }) }).click();
    await content.press('End');
    await content.pressSequentially(', we missed you on ');
    await add.getByRole('button', { name: t('templates.insert', { variable: '{{taskName}}' }) }).click();
    expect(await content.inputValue()).toBe('Dear {{name}}, we missed you on {{taskName}}');
    await content.press('End');
    await content.pressSequentially(' 尊敬的客户');
    await add.getByText(t('templates.counter', { encoding: 'UCS-2', units: 50, perSegment: 70, segments: 1 })).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await add.getByRole('button', { name: t('common.confirm') }).click();
    await add.waitFor({ state: 'detached' });

    const listed = await api('GET', '/v1/sms-templates?page=1&pageSize=200');
    const made = listed.body.items.find((x: { name: string }) => x.name === 'Unanswered Call Notification 2026 Promotion');
    expect(made).toMatchObject({ content: 'Dear {{name}}, we missed you on {{taskName}} 尊敬的客户', encoding: 'UCS-2', segments: 1, status: 'approved', variables: ['name', 'taskName'] });
    await row(page, 'Unanswered Call Notification 2026 Promotion').getByText(t('templates.status.approved')).waitFor();

    // Edit: the same dialog, filled in; a 161-character GSM text is 2 segments for the API too
    await row(page, 'Unanswered Call Notification 2026 Promotion').getByRole('button', { name: t('common.edit') }).click();
    const edit = dialog(page, t('templates.editTitle'));
    expect(await edit.getByRole('textbox', { name: t('templates.field.name') }).inputValue()).toBe('Unanswered Call Notification 2026 Promotion');
    await edit.getByRole('textbox', { name: t('templates.field.name') }).fill('Follow Up');
    await edit.getByRole('textbox', { name: t('templates.field.content') }).fill('b'.repeat(161));
    await edit.getByText(t('templates.counter', { encoding: 'GSM-7', units: 161, perSegment: 153, segments: 2 })).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await edit.getByRole('button', { name: t('common.confirm') }).click();
    await edit.waitFor({ state: 'detached' });
    const edited = await api('GET', `/v1/sms-templates/${made.id}`);
    expect(edited.body).toMatchObject({ name: 'Follow Up', content: 'b'.repeat(161), encoding: 'GSM-7', segments: 2 });
    await row(page, 'Follow Up').getByText(t('templates.size', { encoding: 'GSM-7', segments: 2 })).waitFor();

    // a syntax error is the API's, shown on "SMS Content"
    await page.getByRole('button', { name: t('common.add') }).click();
    const bad = dialog(page, t('templates.addTitle'));
    await bad.getByRole('textbox', { name: t('templates.field.name') }).fill('Broken');
    await bad.getByRole('textbox', { name: t('templates.field.content') }).fill('Hello {{name');
    await bad.getByRole('button', { name: t('common.confirm') }).click();
    await bad.getByText(/Unclosed/).waitFor();
    expect(await bad.getByRole('textbox', { name: t('templates.field.content') }).getAttribute('aria-invalid')).toBe('true');
    await bad.getByRole('button', { name: t('common.cancel') }).click();

    // Delete → Confirm
    await row(page, 'Follow Up').getByRole('button', { name: t('common.delete') }).click();
    const del = dialog(page, t('templates.deleteTitle'));
    await del.getByText(t('common.confirmDelete', { name: 'Follow Up' })).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await del.getByRole('button', { name: t('common.confirm') }).click();
    await del.waitFor({ state: 'detached' });
    expect((await api('GET', `/v1/sms-templates/${made.id}`)).status).toBe(404);
    await row(page, 'Follow Up').waitFor({ state: 'detached' });
    expect(o.problems).toEqual([]);
  });
});

describeInBrowser('by keyboard', () => {
  /** The focused element's accessible bits, and whether its focus ring shows (the global :focus-visible rule). */
  const focused = (page: Page) =>
    page.evaluate(() => {
      const el = (globalThis as any).document.activeElement;
      const style = (globalThis as any).getComputedStyle(el);
      return { tag: el.tagName as string, text: (el.textContent as string).trim(), ring: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2 };
    });

  it('when a template is added with the keyboard only and a row’s Edit reached by the arrow keys, then each control on the way shows its focus ring', async () => {
    const o = await rig.open({ path: '/sms-templates' });
    const { page, t } = o;
    await page.getByRole('heading', { name: t('nav.smsTemplates') }).waitFor();
    // from the menu's last link, Tab reaches "Add"
    await page.getByRole('navigation', { name: t('nav.label') }).getByRole('link').last().focus();
    await page.keyboard.press('Tab');
    expect(await focused(page)).toMatchObject({ tag: 'BUTTON', text: t('common.add'), ring: true });
    await page.keyboard.press('Enter');
    const add = dialog(page, t('templates.addTitle'));
    await add.waitFor();
    await page.keyboard.type('Keyboard Template'); // "Template Name" has the focus
    await page.keyboard.press('Tab');
    expect(await focused(page)).toMatchObject({ tag: 'TEXTAREA', ring: true });
    await page.keyboard.type('Hello ');
    await page.keyboard.press('Tab');
    expect(await focused(page)).toMatchObject({ tag: 'BUTTON', text: '{{name}}', ring: true });
    await page.keyboard.press('Enter');
    expect(await add.getByRole('textbox', { name: t('templates.field.content') }).inputValue()).toBe('Hello {{name}}');
    await page.keyboard.press('Shift+Tab'); // back from the content to the chips, then on to Confirm
    for (let i = 0; i < 6 && (await focused(page)).text !== t('common.confirm'); i++) await page.keyboard.press('Tab');
    expect(await focused(page)).toMatchObject({ tag: 'BUTTON', text: t('common.confirm'), ring: true });
    await page.keyboard.press('Enter');
    await add.waitFor({ state: 'detached' });
    const made = (await api('GET', '/v1/sms-templates?page=1&pageSize=200')).body.items.find((x: { name: string }) => x.name === 'Keyboard Template');
    expect(made).toMatchObject({ content: 'Hello {{name}}' });

    // into the table: its row's "Edit" by the arrow keys
    const edit = row(page, 'Keyboard Template').getByRole('button', { name: t('common.edit') });
    await page.getByRole('button', { name: t('common.add') }).focus();
    await page.keyboard.press('Tab');
    for (let i = 0; i < 12 && !(await edit.evaluate((el) => el === (globalThis as any).document.activeElement)); i++) await page.keyboard.press(i === 0 ? 'ArrowDown' : 'ArrowRight');
    expect(await focused(page)).toMatchObject({ tag: 'BUTTON', text: t('common.edit'), ring: true });
    await page.keyboard.press('Enter');
    const editing = dialog(page, t('templates.editTitle'));
    await editing.waitFor();
    await page.keyboard.press('Escape');
    await editing.waitFor({ state: 'detached' });
    expect(await api('DELETE', `/v1/sms-templates/${made.id}`)).toMatchObject({ status: 204 });
  });
});

describeInBrowser('Task Roster', () => {
  it('when an owner downloads the template, fills it and uploads it through Select File, then validation shows the counts, Download Errors gives the rejected rows, and the numbers, Edit and Delete work', async () => {
    const o = await rig.open({ path: '/task-roster' });
    const { page, t } = o;
    await page.getByRole('heading', { name: t('nav.taskRoster') }).waitFor();
    await page.getByRole('button', { name: t('common.add') }).click();
    const add = dialog(page, t('rosters.addTitle'));
    await add.getByRole('group', { name: t('rosters.field.file') }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);

    // "Download Template": the API's standard workbook, filled in as the manual says (numbers without the country code)
    const downloading = page.waitForEvent('download');
    await add.getByRole('link', { name: t('rosters.downloadTemplate') }).click();
    const template = await downloading;
    const templatePath = join(files, 'template.xlsx');
    await template.saveAs(templatePath);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(templatePath);
    const sheet = wb.getWorksheet('Roster');
    expect(sheet?.getRow(1).getCell(1).value).toBe('Phone Number');
    for (const [phone, name] of [['87630021323', 'Ani'], ['87630021324', 'Budi'], ['12', 'Cici'], ['087630021323', 'Ani again'], ['87630021325', 'Dedi']]) sheet!.addRow([phone, name]);
    const filled = join(files, 'January 2026 Promotional Campaign.xlsx');
    await wb.xlsx.writeFile(filled);

    await add.getByRole('textbox', { name: t('rosters.field.name') }).fill('January 2026 Promotional Campaign');
    await add.getByRole('textbox', { name: t('rosters.field.description') }).fill('Customers of the January promotion');
    await selectFile(o, add, filled);
    await add.getByText('January 2026 Promotional Campaign.xlsx').waitFor();
    await add.getByRole('button', { name: t('common.confirm') }).click();

    // the validation, followed to its end: 3 valid, 1 invalid, 1 duplicate
    await add.getByText(t('rosters.validated', { total: 5 })).waitFor();
    const counts = add.locator('.roster-counts');
    expect(await counts.locator('dd').allTextContents()).toEqual(['3', '1', '1']);
    expect(await seriousViolations(page)).toEqual([]);
    const errorsDownload = page.waitForEvent('download');
    await add.getByRole('link', { name: t('rosters.downloadErrors') }).click();
    const errorsPath = join(files, 'errors.xlsx');
    await (await errorsDownload).saveAs(errorsPath);
    const errorsBook = new ExcelJS.Workbook();
    await errorsBook.xlsx.load(readFileSync(errorsPath) as unknown as ArrayBuffer);
    const errorRows: string[] = [];
    errorsBook.worksheets[0]!.eachRow((r, n) => n > 1 && errorRows.push(r.values!.toString()));
    expect(errorRows).toHaveLength(2);
    expect(errorRows.join('\n')).toMatch(/DUPLICATE/);
    await add.getByRole('button', { name: t('common.close') }).click();

    const listed = (await api('GET', '/v1/rosters?page=1&pageSize=200')).body.items.find((r: { name: string }) => r.name === 'January 2026 Promotional Campaign');
    expect(listed).toMatchObject({ status: 'ready', description: 'Customers of the January promotion', counts: { totalRows: 5, valid: 3, invalid: 1, duplicate: 1 } });
    const line = row(page, 'January 2026 Promotional Campaign');
    await line.getByText(t('rosters.status.ready')).waitFor();
    await page.screenshot({ path: join(SCREENSHOTS, 'task-roster.png') });

    // the entries and the errors, browsable
    await line.getByRole('button', { name: t('rosters.viewNumbers') }).click();
    const rows = dialog(page, t('rosters.rowsTitle', { name: 'January 2026 Promotional Campaign' }));
    const entries = rows.getByRole('grid', { name: t('rosters.entries') });
    await entries.getByRole('row', { name: '+6287630021324', exact: true }).waitFor();
    expect(await entries.getByRole('row').count()).toBe(4); // the header and 3 valid numbers
    expect(await seriousViolations(page)).toEqual([]);
    await rows.getByRole('tab', { name: t('rosters.errors') }).click();
    const errors = rows.getByRole('grid', { name: t('rosters.errors') });
    await errors.getByRole('row', { name: '087630021323', exact: true }).getByText(t('rosters.reason.DUPLICATE')).waitFor();
    await errors.getByRole('row', { name: '12', exact: true }).getByText(t('rosters.reason.TOO_SHORT')).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await rows.getByRole('button', { name: t('common.close') }).click();

    // Edit → "Roster Name", "Description", "Confirm"
    await line.getByRole('button', { name: t('common.edit') }).click();
    const edit = dialog(page, t('rosters.editTitle'));
    expect(await edit.getByRole('textbox', { name: t('rosters.field.description') }).inputValue()).toBe('Customers of the January promotion');
    await edit.getByRole('textbox', { name: t('rosters.field.name') }).fill('February 2026 Campaign');
    await edit.getByRole('textbox', { name: t('rosters.field.description') }).fill('');
    expect(await seriousViolations(page)).toEqual([]);
    await edit.getByRole('button', { name: t('common.confirm') }).click();
    await edit.waitFor({ state: 'detached' });
    expect((await api('GET', `/v1/rosters/${listed.id}`)).body).toMatchObject({ name: 'February 2026 Campaign', description: null });

    // Delete → Confirm
    await row(page, 'February 2026 Campaign').getByRole('button', { name: t('common.delete') }).click();
    const del = dialog(page, t('rosters.deleteTitle'));
    await del.getByRole('button', { name: t('common.confirm') }).click();
    await del.waitFor({ state: 'detached' });
    expect((await api('GET', `/v1/rosters/${listed.id}`)).status).toBe(404);
    expect(o.problems).toEqual([]);
  });

  it('when a large roster is uploaded, then a progress bar of validation with the rows checked shows until the counts do, and its numbers page by cursor', async () => {
    const o = await rig.open({ path: '/task-roster' });
    const { page, t } = o;
    const big = join(files, 'big.xlsx');
    const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: big });
    const sheet = wb.addWorksheet('Roster');
    sheet.addRow(['Phone Number', 'Name']).commit();
    for (let i = 0; i < ROWS; i++) sheet.addRow([String(81200000000 + i), `Callee ${i}`]).commit();
    await wb.commit();

    await page.getByRole('button', { name: t('common.add') }).click();
    const add = dialog(page, t('rosters.addTitle'));
    await add.getByRole('textbox', { name: t('rosters.field.name') }).fill('Big roster');
    await selectFile(o, add, big);
    // every text the bar shows, recorded in the page from the moment of the upload (validation may be quick)
    await page.evaluate((name) => {
      const w = globalThis as any; // the page's window (this file is typed for Node, without the DOM)
      const seen: string[] = (w.progressSeen = []);
      new w.MutationObserver(() => {
        const text = w.document.querySelector(`[role="progressbar"][aria-label="${name}"] .progress-text`)?.textContent;
        if (text && seen[seen.length - 1] !== text) seen.push(text);
      }).observe(w.document.body, { subtree: true, childList: true, characterData: true });
    }, t('rosters.validating'));
    await add.getByRole('button', { name: t('common.confirm') }).click();
    await add.getByText(t('rosters.validated', { total: ROWS })).waitFor();
    const seen: string[] = await page.evaluate(() => (globalThis as any).progressSeen);
    expect(seen[0]).toBe(t('rosters.processed', { rows: 0 })); // the 202's first answer, before any row
    expect(await add.locator('.roster-counts dd').allTextContents()).toEqual([String(ROWS), '0', '0']);
    await add.getByRole('button', { name: t('common.close') }).click();

    // its numbers page by cursor, 20 at a time, forward and back
    await row(page, 'Big roster').getByRole('button', { name: t('rosters.viewNumbers') }).click();
    const numbers = dialog(page, t('rosters.rowsTitle', { name: 'Big roster' }));
    const entries = numbers.getByRole('grid', { name: t('rosters.entries') });
    await entries.getByRole('row', { name: '+6281200000000', exact: true }).waitFor();
    await numbers.getByRole('button', { name: t('paging.next') }).click();
    await entries.getByRole('row', { name: '+6281200000020', exact: true }).waitFor();
    await numbers.getByText(t('rosters.page', { page: 2 })).waitFor();
    expect(await entries.getByRole('row', { name: '+6281200000000', exact: true }).count()).toBe(0);
    await numbers.getByRole('button', { name: t('paging.previous') }).click();
    await entries.getByRole('row', { name: '+6281200000000', exact: true }).waitFor();
    expect(o.problems).toEqual([]);
  });
});

describeInBrowser('Recording Files', () => {
  it('when an owner uploads an MP3 through Select File, then it is listed with its duration, plays in place, and Rename and Delete change what the API holds', async () => {
    const o = await rig.open({ path: '/recording-files' });
    const { page, t } = o;
    await page.getByRole('heading', { name: t('nav.recordingFiles') }).waitFor();
    await page.getByRole('button', { name: t('common.add') }).click();
    const add = dialog(page, t('recordings.addTitle'));
    await selectFile(o, add, FIXTURE_MP3);
    const name = add.getByRole('textbox', { name: t('recordings.field.name') });
    expect(await name.inputValue()).toBe('mono-8k'); // the file's name, as the API would default it
    await name.fill('Promotion Campaign - Chinese');
    expect(await seriousViolations(page)).toEqual([]);
    await add.getByRole('button', { name: t('common.confirm') }).click();
    await add.waitFor({ state: 'detached' });

    const made = (await api('GET', '/v1/recordings?page=1&pageSize=200')).body.items.find((r: { name: string }) => r.name === 'Promotion Campaign - Chinese');
    expect(made).toMatchObject({ status: 'ready', fileName: 'mono-8k.mp3' });
    const line = row(page, 'Promotion Campaign - Chinese');
    await line.getByText(t('recordings.status.ready')).waitFor();

    // play in place: the audio element loads the API's MP3 (the CSP allows media from 'self')
    const player = line.getByLabel(t('recordings.playOf', { name: 'Promotion Campaign - Chinese' }));
    expect(await player.getAttribute('src')).toBe(`/v1/recordings/${made.id}/audio`);
    const seconds = await player.evaluate(
      (audio: AudioElement) =>
        new Promise<number>((resolve, reject) => {
          audio.addEventListener('loadedmetadata', () => resolve(audio.duration), { once: true });
          audio.addEventListener('error', () => reject(new Error(`audio error ${audio.error?.code}`)), { once: true });
          audio.preload = 'metadata';
          audio.load();
        }),
    );
    expect(Math.abs(seconds * 1000 - made.durationMs)).toBeLessThan(500);

    // Rename
    await line.getByRole('button', { name: t('recordings.rename') }).click();
    const rename = dialog(page, t('recordings.renameTitle'));
    await rename.getByRole('textbox', { name: t('recordings.field.name') }).fill('Promotion Campaign - Bahasa');
    expect(await seriousViolations(page)).toEqual([]);
    await rename.getByRole('button', { name: t('common.confirm') }).click();
    await rename.waitFor({ state: 'detached' });
    expect((await api('GET', `/v1/recordings/${made.id}`)).body.name).toBe('Promotion Campaign - Bahasa');

    // Delete → Confirm
    await row(page, 'Promotion Campaign - Bahasa').getByRole('button', { name: t('common.delete') }).click();
    const del = dialog(page, t('recordings.deleteTitle'));
    expect(await seriousViolations(page)).toEqual([]);
    await del.getByRole('button', { name: t('common.confirm') }).click();
    await del.waitFor({ state: 'detached' });
    expect((await api('GET', `/v1/recordings/${made.id}`)).status).toBe(404);
    expect(o.problems).toEqual([]);
  });
});

describeInBrowser('files refused', () => {
  it('when a wrong kind of file is selected, then it is refused in words before any upload; a text renamed .mp3 gets the API’s refusal in words', async () => {
    const o = await rig.open({ path: '/task-roster' });
    const { page, t } = o;
    const uploads: string[] = [];
    page.on('request', (r) => r.method() === 'POST' && uploads.push(new URL(r.url()).pathname));
    const csv = join(files, 'numbers.csv');
    writeFileSync(csv, 'Phone Number\n87630021323\n');
    await page.getByRole('button', { name: t('common.add') }).click();
    const add = dialog(page, t('rosters.addTitle'));
    await add.getByRole('textbox', { name: t('rosters.field.name') }).fill('Not a workbook');
    await selectFile(o, add, csv);
    await add.getByRole('alert').getByText(t('rosters.file.notXlsx')).waitFor();
    await add.getByRole('button', { name: t('common.confirm') }).click();
    await add.getByText(t('library.file.missing')).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await add.getByRole('button', { name: t('common.cancel') }).click();

    await page.getByRole('navigation', { name: t('nav.label') }).getByRole('link', { name: t('nav.recordingFiles') }).click();
    await page.getByRole('button', { name: t('common.add') }).click();
    const rec = dialog(page, t('recordings.addTitle'));
    await selectFile(o, rec, FIXTURE_WAV);
    await rec.getByRole('alert').getByText(t('recordings.file.notMp3')).waitFor();
    expect(uploads).toEqual([]);

    // the extension passes, the bytes do not: the API's 415 RECORDING_NOT_MP3, in words
    const fake = join(files, 'fake.mp3');
    writeFileSync(fake, 'this is not audio at all');
    await selectFile(o, rec, fake);
    await rec.getByRole('button', { name: t('common.confirm') }).click();
    await rec.getByRole('alert').getByText(t('recordings.file.notMp3')).waitFor();
    expect(uploads).toEqual(['/v1/recordings']);
  });
});

describeInBrowser('in use, roles and languages', () => {
  let used: { template: string; roster: string; recording: string };
  beforeAll(async () => {
    if (describeInBrowser !== describe) return;
    const recording = await uploadRecording(rig.base, rig.tenant.auth);
    const roster = await uploadRoster(rig.base, rig.tenant.auth, [{ phone: '87630021400', name: 'Eka', orderId: 'ORD-1' }], 'Used roster');
    const template = await api('POST', '/v1/sms-templates', { name: 'Used template', content: 'Hello {{name}}, order {{Order Id}}' });
    await api('POST', '/v1/sms-templates', { name: 'Payment Reminder', content: 'Pelanggan yth {{name}}, tagihan Anda jatuh tempo. Abaikan jika sudah membayar.' });
    expect((await api('PUT', '/v1/sms-account', { provider: 'simulated', senderId: 'AUTOCALL', status: 'active' })).status).toBe(200);
    const task = await api('POST', '/v1/tasks', {
      name: 'Uses everything',
      recordingId: recording.body.id,
      rosterId: roster.body.id,
      start: { mode: 'scheduled', at: `${new Date().getUTCFullYear() + 1}-06-01T09:00` },
      sms: { onDisconnect: { enabled: true, templateId: template.body.id } },
    });
    expect(task.status).toBe(201);
    used = { template: template.body.id, roster: roster.body.id, recording: recording.body.id };
  });

  it('when something a scheduled task uses is deleted, then the API’s 409 is shown in words and it stays', async () => {
    const o = await rig.open({ path: '/sms-templates' });
    const { page, t } = o;
    await row(page, 'Payment Reminder').waitFor();
    await page.screenshot({ path: join(SCREENSHOTS, 'sms-templates.png') });
    const cases = [
      { menu: t('nav.smsTemplates'), name: 'Used template', title: t('templates.deleteTitle'), words: t('templates.inUse') },
      { menu: t('nav.taskRoster'), name: 'Used roster', title: t('rosters.deleteTitle'), words: t('rosters.inUse') },
      { menu: t('nav.recordingFiles'), name: 'E2E recording', title: t('recordings.deleteTitle'), words: t('recordings.inUse') },
    ];
    for (const c of cases) {
      await page.getByRole('navigation', { name: t('nav.label') }).getByRole('link', { name: c.menu }).click();
      await row(page, c.name).getByRole('button', { name: t('common.delete') }).click();
      const del = dialog(page, c.title);
      await del.getByRole('button', { name: t('common.confirm') }).click();
      await del.getByRole('alert').getByText(c.words).waitFor();
      expect(await seriousViolations(page)).toEqual([]);
      await del.getByRole('button', { name: t('common.cancel') }).click();
      await del.waitFor({ state: 'detached' });
    }
    await row(page, 'E2E recording').waitFor();
    await page.screenshot({ path: join(SCREENSHOTS, 'recording-files.png') });
    expect((await api('GET', `/v1/sms-templates/${used.template}`)).status).toBe(200);
    expect((await api('GET', `/v1/rosters/${used.roster}`)).status).toBe(200);
    expect((await api('GET', `/v1/recordings/${used.recording}`)).status).toBe(200);
  });

  it('when an operator is made a viewer while the page is open, then a Delete still tried gets the API’s 403, shown in words', async () => {
    const operator = await rig.person('operator');
    const { page, t } = await rig.open({ as: operator, path: '/sms-templates' });
    await row(page, 'Payment Reminder').getByRole('button', { name: t('common.delete') }).waitFor();
    const users = await api('GET', '/v1/users?page=1&pageSize=200');
    const id = users.body.items.find((u: { email: string }) => u.email === operator.email).id;
    expect((await api('PATCH', `/v1/users/${id}`, { role: 'viewer' })).status).toBe(200);
    await row(page, 'Payment Reminder').getByRole('button', { name: t('common.delete') }).click();
    const del = dialog(page, t('templates.deleteTitle'));
    await del.getByRole('button', { name: t('common.confirm') }).click();
    await del.getByRole('alert').getByText(t('error.forbidden')).waitFor();
    await page.context().close();
    expect((await api('GET', '/v1/sms-templates?page=1&pageSize=200')).body.items.map((x: { name: string }) => x.name)).toContain('Payment Reminder');
  });

  it('when a viewer opens the three pages, then it sees the lists (and plays, and browses numbers) but no Add, Edit, Rename or Delete', async () => {
    const viewer = await rig.person('viewer');
    for (const [path, name] of [['/sms-templates', 'Used template'], ['/task-roster', 'Used roster'], ['/recording-files', 'E2E recording']]) {
      const { page, t, problems } = await rig.open({ as: viewer, path });
      await row(page, name).waitFor();
      for (const label of [t('common.add'), t('common.edit'), t('common.delete'), t('recordings.rename')]) expect(await page.getByRole('button', { name: label, exact: true }).count()).toBe(0);
      if (path === '/task-roster') await row(page, name).getByRole('button', { name: t('rosters.viewNumbers') }).waitFor();
      if (path === '/recording-files') await row(page, name).getByLabel(t('recordings.playOf', { name })).waitFor();
      expect(await seriousViolations(page)).toEqual([]);
      expect(problems).toEqual([]);
      await page.context().close();
    }
  });

  it.each(['zh', 'id'] as const)('when the console is in %s, then the three pages and their dialogs speak it', async (language) => {
    for (const [path, heading, column, dialogTitle, name] of [
      ['/sms-templates', 'nav.smsTemplates', 'templates.col.content', 'templates.addTitle', 'Used template'],
      ['/task-roster', 'nav.taskRoster', 'rosters.col.duplicate', 'rosters.addTitle', 'Used roster'],
      ['/recording-files', 'nav.recordingFiles', 'recordings.col.duration', 'recordings.addTitle', 'E2E recording'],
    ] as const) {
      const { page, t, problems } = await rig.open({ path, language });
      await page.getByRole('heading', { level: 1, name: t(heading) }).waitFor();
      await page.getByRole('columnheader', { name: t(column) }).waitFor();
      await row(page, name).waitFor();
      await page.getByRole('button', { name: t('common.add') }).click();
      const d = dialog(page, t(dialogTitle));
      await d.getByRole('button', { name: t('common.confirm') }).waitFor();
      if (path !== '/sms-templates') await d.getByRole('button', { name: t('library.file.select') }).waitFor();
      else await d.getByText(t('templates.counter', { encoding: 'GSM-7', units: 0, perSegment: 160, segments: 1 })).waitFor();
      expect(await seriousViolations(page)).toEqual([]);
      expect(problems).toEqual([]);
      await page.context().close();
    }
  });
});
