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
const FIXTURE_WAV = join(__dirname, '..', '..', '..', 'services', 'recording', 'test', 'fixtures', 'not-mp3.wav');

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  if (describeInBrowser === describe) rig = await startRig();
});
afterAll(async () => rig?.close());

const api = (method: string, path: string, json?: unknown) => call(rig.base, method, path, { headers: rig.tenant.auth, json });

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
