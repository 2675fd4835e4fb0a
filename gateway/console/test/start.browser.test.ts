/**
 * Issue 14's "Done when": the platform started with the README's start command exactly (as a person
 * types it, in a shell of its own), the console URL and the demo login read from what it prints and
 * from nothing else, and the product manual's procedures followed in Chromium in its English words —
 * an active SMS account, two SMS templates, a roster from the downloaded template, a recording, a
 * task through the four steps with both SMS settings — to a completed task and its follow-up SMS.
 *
 * The platform gets a database, a RabbitMQ vhost, a data directory and ports of its own, so this runs
 * beside the other suites; it is stopped as Ctrl-C stops it (SIGINT to its process group).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import type { Browser, Locator, Page } from 'playwright-core';
import { AMQP_URL, BASE_DATABASE_URL, deleteVhost, ensureVhost, eventually, freePort, sql } from '@autocall/testing';
// not ./rig: that one builds the platform in-process, and this test starts it as a person does
import { describeInBrowser, launchChromium, SCREENSHOTS, seriousViolations } from './browser';

jest.setTimeout(420_000);
const root = join(__dirname, '..', '..', '..');
const FIXTURE_MP3 = join(root, 'services', 'recording', 'test', 'fixtures', 'mono-8k.mp3');
/**
 * Named as this run's worker databases are (`autocall_test_<run>_<n>`), so a run that dies leaves
 * nothing the next run's clean-up would not drop; 1000 + the worker id is no worker's own.
 */
const NAME = `autocall_test_${process.env.AUTOCALL_TEST_RUN ?? 'local'}_${1000 + Number(process.env.JEST_WORKER_ID ?? 0)}`;

/** The start command of the README's "The two commands" (its first shell block). */
function readmeStartCommand(): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = readme.split(/^## The two commands$/m)[1]?.split(/^## /m)[0] ?? '';
  const command = /```bash\n([^\n]+)\n```/.exec(section)?.[1];
  if (!command) throw new Error('README.md: no start command under "The two commands"');
  return command;
}

/** SQL on the test PostgreSQL's maintenance database (to drop this test's own). */
async function onServer(text: string): Promise<void> {
  const url = new URL(BASE_DATABASE_URL);
  url.pathname = '/postgres';
  await sql(text, [], url.toString());
}

/** Whether any process of the group `pgid` is still there. */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

let shell: ChildProcess | undefined;
let output = '';
let dataDir = '';
let browser: Browser | undefined;

/** Ctrl-C: SIGINT to the command's whole process group (bash, pnpm, start.mjs, the services); then waits until every one of them is gone. */
async function stopPlatform(): Promise<void> {
  const pgid = shell?.pid;
  if (!pgid || !groupAlive(pgid)) return;
  process.kill(-pgid, 'SIGINT');
  await eventually(() => !groupAlive(pgid), 60_000, 100);
}

beforeAll(async () => {
  if (describeInBrowser !== describe) return;
  mkdirSync(SCREENSHOTS, { recursive: true });
  dataDir = mkdtempSync(join(tmpdir(), 'autocall-console-start-'));
  await onServer(`DROP DATABASE IF EXISTS ${NAME} WITH (FORCE)`); // start.mjs creates it, empty: the demo tenant's condition
  ensureVhost(NAME);
  const databaseUrl = new URL(BASE_DATABASE_URL);
  databaseUrl.pathname = `/${NAME}`;
  const amqpUrl = new URL(AMQP_URL);
  amqpUrl.pathname = `/${NAME}`;

  // a shell's environment: no test runner's or pnpm script's variables; this platform's own database, vhost, data and ports
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(npm_|pnpm_script_src_dir$|jest_worker_id$|node_env$|internal_token$|admin_token$|autocall_demo$|.+_url$|.+_port$)/i.test(k)) env[k] = v;
  Object.assign(env, {
    DATABASE_URL: databaseUrl.toString(),
    AMQP_URL: amqpUrl.toString(),
    AUTOCALL_DATA_DIR: dataDir,
    HOST: '127.0.0.1',
    // the simulated carrier rings and plays at a hundredth of real time
    SIM_TIME_SCALE: '0.01',
    LOG_LEVEL: 'warn',
    LOG_FORMAT: 'json',
  });
  for (const name of ['GATEWAY', 'TASK', 'ROSTER', 'RECORDING', 'SMS', 'DIALER']) env[`${name}_PORT`] = String(await freePort());

  const command = readmeStartCommand();
  expect(command).toBe('bash scripts/setup.sh && pnpm start');
  shell = spawn('bash', ['-c', command], { cwd: root, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  shell.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  shell.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<never>((_, reject) => shell!.once('exit', (code, signal) => reject(new Error(`"${command}" ended (${signal ?? code}) before it was ready:\n${output}`))));
  exited.catch(() => undefined);
  await Promise.race([eventually(() => /autocall is ready in [\d.]+ s[\s\S]*Admin token[^\n]*\n/.test(output), 240_000, 100), exited]);
  browser = await launchChromium();
}, 300_000);

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await stopPlatform();
  if (describeInBrowser === describe) {
    await onServer(`DROP DATABASE IF EXISTS ${NAME} WITH (FORCE)`);
    deleteVhost(NAME);
  }
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}, 90_000);

/** Waits until `check` holds; on time-out the error says what `shows` (the page) read last. */
async function until(what: string, check: () => Promise<boolean>, shows: () => Promise<string>, timeoutMs: number): Promise<void> {
  try {
    await eventually(check, timeoutMs, 200);
  } catch {
    throw new Error(`${what}: not within ${timeoutMs} ms; the page shows:\n${await shows().catch((e: unknown) => String(e))}`);
  }
}

/** The drop-down labelled `label` (React Aria's Select is a button named by its value, then its label). */
const dropDown = (scope: Page | Locator, label: string) => scope.getByRole('button', { name: new RegExp(`${label}$`) });
async function choose(scope: Page | Locator, page: Page, label: string, option: string | RegExp) {
  await dropDown(scope, label).click();
  await page.getByRole('option', { name: option, exact: typeof option === 'string' }).click();
}
/** A menu item of Voice › Auto Call › … and the rest of the menu. */
const menu = (page: Page, name: string) => page.getByRole('navigation', { name: 'Main menu' }).getByRole('link', { name, exact: true });
const dialog = (page: Page, title: string) => page.getByRole('dialog', { name: title });
/** Chooses `path` through the "Select File" button's file chooser, as a person does. */
async function selectFile(page: Page, scope: Locator, path: string) {
  const chooser = page.waitForEvent('filechooser');
  await scope.getByRole('button', { name: 'Select File' }).click();
  await (await chooser).setFiles(path);
}

const DISCONNECT_SMS = 'Dear Customer, your requested service has been completed. Please check it. [Company Name]';
const UNANSWERED_SMS = '[XX Company] You have a missed call. Reply with 1 for more information.';
// last digits 0 and 3: answered (the callee hangs up; the recording plays to its end), 5: no answer, 6: busy
const NUMBERS = [['87630021320', 'Budi'], ['87630021323', 'Sari'], ['87630021325', 'Eka'], ['87630021326', 'Dewi']];

describeInBrowser('the README’s start command and the product manual', () => {
  it('when the platform is started with the README’s command, then its printed console URL and demo login let a person follow the manual to a completed task whose follow-up SMS are listed', async () => {
    // what it printed, and nothing else: the console's address and the demo owner's login
    const consoleUrl = /^ {2}Console: +(\S+)$/m.exec(output)?.[1];
    const login = /^ {2}Demo login \(created now, kept in [^)]+\): (\S+) \/ (\S+)$/m.exec(output);
    expect(consoleUrl).toMatch(/^http:\/\/localhost:\d+\/console$/);
    expect(login?.[1]).toBe('demo@autocall.local');
    const [email, password] = [login![1]!, login![2]!];

    const context = await browser!.newContext({ timezoneId: 'America/New_York', locale: 'en-US', acceptDownloads: true });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    // a failed load is told by the 'response' listener, with its address (the 401 of /v1/me before the login is expected)
    page.on('console', (m) => m.type() === 'error' && !/^Failed to load resource/.test(m.text()) && problems.push(m.text()));
    page.on('response', (r) => r.status() >= 500 && problems.push(`${r.status()} ${r.request().method()} ${new URL(r.url()).pathname}`));
    const files = mkdtempSync(join(dataDir, 'files-'));

    // Log In
    await page.goto(consoleUrl!);
    await page.getByRole('textbox', { name: 'Email' }).fill(email);
    await page.getByLabel('Password', { exact: true }).fill(password);
    await page.getByRole('button', { name: 'Log In' }).click();
    await page.getByRole('heading', { level: 1, name: 'Task Management' }).waitFor();

    // SMS Settings need an active SMS account: SMS Account → Simulated, a sender, Active → Save
    await menu(page, 'SMS Account').click();
    await page.getByRole('heading', { level: 1, name: 'SMS Account' }).waitFor();
    await choose(page, page, 'Provider', 'Simulated');
    await page.getByRole('textbox', { name: 'Sender ID' }).fill('PROMO');
    await choose(page, page, 'Status', 'Active');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: 'The SMS account was saved.' }).waitFor();

    // SMS Templates: Add → "Template Name", "SMS Content" → Confirm, once per kind of follow-up
    await menu(page, 'SMS Templates').click();
    for (const [name, content] of [['Call Disconnect Notification_2026 Promotion', DISCONNECT_SMS], ['Unanswered Call Notification_2026 Promotion', UNANSWERED_SMS]]) {
      await page.getByRole('button', { name: 'Add', exact: true }).click();
      const add = dialog(page, 'Add SMS Template');
      await add.getByRole('textbox', { name: 'Template Name' }).fill(name!);
      await add.getByRole('textbox', { name: 'SMS Content' }).fill(content!);
      await add.getByRole('button', { name: 'Confirm' }).click();
      await add.waitFor({ state: 'detached' });
      await page.getByRole('row').filter({ hasText: name }).getByText('Approved').waitFor();
    }

    // Task Roster: Add → "Roster Name"; "Download Template", filled in (numbers without the country code); "Select File"; Confirm
    await menu(page, 'Task Roster').click();
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    const roster = dialog(page, 'Add Roster');
    await roster.getByRole('textbox', { name: 'Roster Name' }).fill('January 2026 Promotional Campaign');
    const downloading = page.waitForEvent('download');
    await roster.getByRole('group', { name: 'Phone Number File' }).getByRole('link', { name: 'Download Template' }).click();
    const template = join(files, 'template.xlsx');
    await (await downloading).saveAs(template);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(template);
    const sheet = workbook.getWorksheet('Roster')!;
    expect([sheet.getRow(1).getCell(1).value, sheet.getRow(1).getCell(2).value]).toEqual(['Phone Number', 'Name']);
    for (const row of NUMBERS) sheet.addRow(row);
    const filled = join(files, 'Promotion_List_202601.xlsx');
    await workbook.xlsx.writeFile(filled);
    await selectFile(page, roster, filled);
    await roster.getByText('Promotion_List_202601.xlsx').waitFor();
    await roster.getByRole('button', { name: 'Confirm' }).click();
    await roster.getByText(`Validation finished: ${NUMBERS.length} rows.`).waitFor();
    expect(await roster.locator('.roster-counts dd').allTextContents()).toEqual([String(NUMBERS.length), '0', '0']);
    await roster.getByRole('button', { name: 'Close' }).click();
    await page.getByRole('row').filter({ hasText: 'January 2026 Promotional Campaign' }).getByText('Ready').waitFor();

    // Recording Files: Add → "Select File" (an MP3) → Confirm; its name is the file's
    await menu(page, 'Recording Files').click();
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    const upload = dialog(page, 'Upload Recording');
    const mp3 = join(files, 'Promotion Campaign - Chinese.mp3');
    copyFileSync(FIXTURE_MP3, mp3);
    await selectFile(page, upload, mp3);
    expect(await upload.getByRole('textbox', { name: 'Recording Name' }).inputValue()).toBe('Promotion Campaign - Chinese');
    await upload.getByRole('button', { name: 'Confirm' }).click();
    await upload.waitFor({ state: 'detached' });
    await page.getByRole('row').filter({ hasText: 'Promotion Campaign - Chinese' }).getByText('Ready').waitFor();

    // Voice › Auto Call › Scheduler: Add, and the dialog's four steps
    await menu(page, 'Scheduler').click();
    await page.getByRole('heading', { level: 1, name: 'Task Management' }).waitFor();
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    const wizard = dialog(page, 'Add Task');
    // Step 1: Set Task Name
    await wizard.getByRole('textbox', { name: 'Task Name' }).fill('January 2026 Promotion');
    await wizard.getByRole('button', { name: 'Next Step' }).click();
    // Step 2: Configure the Recording
    await wizard.getByRole('heading', { name: 'Step 2 of 4: Configure the Recording' }).waitFor();
    await choose(wizard, page, 'Recording File', /^Promotion Campaign - Chinese/);
    await wizard.getByRole('button', { name: 'Next Step' }).click();
    // Step 3: Configure Send Settings — the roster, Run Immediately, both SMS settings with their templates
    await wizard.getByRole('heading', { name: 'Step 3 of 4: Configure Send Settings' }).waitFor();
    await choose(wizard, page, 'Select Roster', `January 2026 Promotional Campaign (${NUMBERS.length} valid numbers)`);
    await wizard.getByText('Run Immediately', { exact: true }).click();
    expect(await wizard.getByRole('radio', { name: 'Run Immediately' }).isChecked()).toBe(true);
    for (const [setting, templateName, preview] of [
      ['Send SMS on Call Disconnect', 'Call Disconnect Notification_2026 Promotion', DISCONNECT_SMS],
      ['Send SMS on Unanswered Call', 'Unanswered Call Notification_2026 Promotion', UNANSWERED_SMS],
    ] as const) {
      const group = wizard.getByRole('group', { name: setting });
      await group.getByText('Send SMS', { exact: true }).click();
      expect(await group.getByRole('checkbox', { name: 'Send SMS' }).isChecked()).toBe(true);
      await choose(group, page, 'SMS Template', templateName);
      await group.getByText(preview).waitFor();
    }
    await wizard.getByRole('button', { name: 'Next Step' }).click();
    // Step 4: Submit the Task — outside the calling window the summary says the first call waits; widened, it goes out now
    await wizard.getByRole('heading', { name: 'Step 4 of 4: Submit the Task' }).waitFor();
    const firstCall = wizard.getByRole('region', { name: 'First call' });
    const now = firstCall.getByText('The first call goes out as soon as you submit.');
    const waits = firstCall.getByText(/^That is outside the calling window/);
    await now.or(waits).waitFor();
    if (await waits.isVisible()) {
      await firstCall.getByRole('button', { name: 'Call All Day (00:00–24:00)' }).click();
      await now.waitFor();
    }
    expect(await seriousViolations(page)).toEqual([]);
    await wizard.getByRole('button', { name: 'Submit' }).click();
    await page.getByRole('status').getByText('Task “January 2026 Promotion” was created.').waitFor();

    // the task's page: its progress, polled, to Completed — every number with its final outcome
    await page.getByRole('row').filter({ hasText: 'January 2026 Promotion' }).getByRole('link', { name: 'January 2026 Promotion' }).click();
    await page.getByRole('heading', { level: 1, name: 'January 2026 Promotion' }).waitFor();
    const fact = (label: string) => page.locator('.facts .fact').filter({ has: page.getByRole('term').getByText(label, { exact: true }) }).getByRole('definition');
    await fact('Status').getByText('Completed', { exact: true }).waitFor({ timeout: 120_000 });
    const outcomes = page.getByRole('table', { name: 'Outcome counts' });
    const count = (table: Locator, label: string) => table.getByRole('row').filter({ has: page.getByRole('rowheader', { name: label, exact: true }) }).getByRole('cell').first();
    expect(await Promise.all(['Answered', 'No Answer', 'Busy'].map((l) => count(outcomes, l).textContent()))).toEqual(['2', '1', '1']);
    // the follow-up SMS go out after the calls; the page keeps asking until all four are counted
    await page.getByRole('table', { name: 'SMS counts' }).waitFor();
    const smsCounts = page.getByRole('table', { name: 'SMS counts' });
    await until('4 SMS sent', async () => (await count(smsCounts, 'SMS Sent').textContent()) === '4', () => smsCounts.innerText(), 120_000);
    expect(await seriousViolations(page)).toEqual([]);
    await page.screenshot({ path: join(SCREENSHOTS, 'task-detail.png'), fullPage: true });

    // SMS Messages: each number's follow-up, of the kind its call's outcome asked for
    await menu(page, 'SMS Messages').click();
    const messages = page.getByRole('grid', { name: 'SMS messages' });
    await until('a row per number', async () => (await messages.getByRole('row').filter({ hasText: 'January 2026 Promotion' }).count()) === NUMBERS.length, () => page.locator('main').innerText(), 60_000);
    const rows = () =>
      Promise.all(
        NUMBERS.map(async ([local]) => {
          const row = messages.getByRole('row').filter({ has: page.getByRole('rowheader', { name: `+62${local}`, exact: true }) });
          const cells = await row.getByRole('gridcell').allTextContents();
          return [`+62${local}`, ...cells.slice(0, 4)];
        }),
      );
    // the simulated provider's delivery receipts come SMS_SIM_DLR_MS (2 s) after each send: the page, reloaded, shows them
    await until(
      'every SMS delivered',
      async () => {
        if ((await rows()).every((r) => r[3] === 'Delivered')) return true;
        await page.reload();
        await messages.getByRole('row').filter({ hasText: 'January 2026 Promotion' }).first().waitFor();
        return false;
      },
      async () => JSON.stringify(await rows()),
      30_000,
    );
    expect(await rows()).toEqual([
      ['+6287630021320', 'January 2026 Promotion', 'On call disconnect', 'Delivered', DISCONNECT_SMS],
      ['+6287630021323', 'January 2026 Promotion', 'On call disconnect', 'Delivered', DISCONNECT_SMS],
      ['+6287630021325', 'January 2026 Promotion', 'On unanswered call', 'Delivered', UNANSWERED_SMS],
      ['+6287630021326', 'January 2026 Promotion', 'On unanswered call', 'Delivered', UNANSWERED_SMS],
    ]);
    expect(await seriousViolations(page)).toEqual([]);
    await page.screenshot({ path: join(SCREENSHOTS, 'sms-messages.png'), fullPage: true });
    expect(problems).toEqual([]);
    await context.close();
  });

  it('when Ctrl-C is pressed, then every service closes cleanly and the command says so', async () => {
    await stopPlatform();
    expect(output).toContain('autocall: stopped cleanly');
    expect(output).not.toMatch(/stopped uncleanly|shutdown timed out|stop timed out/);
  }, 90_000);
});
