/**
 * music-metadata (the recording service) exports only import / module-sync conditions.
 * @jest-environment-options {"customExportConditions": ["node", "node-addons", "module-sync"]}
 */
import { describeInBrowser, seriousViolations, startRig, type Rig } from './rig';

// The frame every page shares: the menu for each role, every page reachable, nothing serious for axe.
jest.setTimeout(120_000);
let rig: Rig;
beforeAll(async () => {
  if (describeInBrowser === describe) rig = await startRig();
});
afterAll(async () => rig?.close());

describeInBrowser('the console frame', () => {
  it('when an owner logs in, then the menu has Voice › Auto Call › its pages and the administration pages, each opening its own page', async () => {
    const { page, t, problems } = await rig.open();
    const menu = page.getByRole('navigation', { name: t('nav.label') });
    for (const key of ['nav.scheduler', 'nav.smsTemplates', 'nav.taskRoster', 'nav.recordingFiles', 'nav.dnc', 'nav.smsAccount', 'nav.smsMessages', 'nav.dialingPolicy', 'nav.webhooks', 'nav.users', 'nav.apiKeys', 'nav.auditLog'] as const) {
      await menu.getByRole('link', { name: t(key), exact: true }).click();
      await page.getByRole('heading', { level: 1 }).first().waitFor();
    }
    expect(await seriousViolations(page)).toEqual([]);
    expect(problems).toEqual([]);
  });

  it('when a viewer logs in, then the administration pages it may not see are not in the menu', async () => {
    const viewer = await rig.person('viewer');
    const { page, t } = await rig.open({ as: viewer });
    const menu = page.getByRole('navigation', { name: t('nav.label') });
    await menu.getByRole('link', { name: t('nav.scheduler') }).waitFor();
    const links = await menu.getByRole('link').allTextContents();
    expect(links).toEqual([t('nav.scheduler'), t('nav.smsTemplates'), t('nav.taskRoster'), t('nav.recordingFiles'), t('nav.dnc'), t('nav.smsMessages'), t('nav.smsReplies')]);
  });
});
