/**
 * The console's browser tests' one rig: the whole platform in-process (test/e2e/platform.ts: every
 * real service behind a real gateway, real PostgreSQL and RabbitMQ, the simulated carrier), Debian's
 * Chromium, a tenant with an owner, and the helpers every page's test needs — log in as a role,
 * open a page in a fresh browser context (New York time, so WIB must be the console's doing, not
 * the browser's), check axe and the browser console. One rig per test file; pages share it.
 */
import { eventually, sql } from '@autocall/testing';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { CONSOLE_DIST } from '../../src/http/console.routes';
import { admin } from '../../test/helpers';
import { call, startPlatform, type Platform } from '../../../test/e2e/platform';
import { translate, type Language, type MessageKey } from '../src/i18n/languages';
import { launchChromium } from './browser';

export { browserTestsRun, describeInBrowser, SCREENSHOTS, seriousViolations } from './browser';
export const PASSWORD = 'correct horse battery';

export interface Person {
  email: string;
  password: string;
  role: 'viewer' | 'operator' | 'admin' | 'owner';
}

export interface Rig {
  platform: Platform;
  base: string;
  browser: Browser;
  tenant: { id: string; apiKey: string; auth: Record<string, string>; owner: Person };
  /** Makes a user of the tenant with this role (through the API, as the owner). */
  person(role: Person['role']): Promise<Person>;
  /** A fresh context and page (nothing remembered), logged in as `who` unless null, at `path` under /console. */
  open(o?: { as?: Person | null; path?: string; language?: Language; timezoneId?: string }): Promise<Opened>;
  close(): Promise<void>;
}

export interface Opened {
  page: Page;
  context: BrowserContext;
  /** Script errors and console errors seen so far (an expected API 4xx is the test's to filter). */
  problems: string[];
  t(key: MessageKey, values?: Record<string, string | number>): string;
}

export async function startRig(o: { env?: Record<string, string>; dialerEnv?: Record<string, string> } = {}): Promise<Rig> {
  if (!existsSync(join(CONSOLE_DIST, 'index.html'))) throw new Error(`${CONSOLE_DIST} is missing: run \`pnpm build\` first (pnpm test does)`);
  const platform = await startPlatform({ env: o.env, dialerEnv: { SIM_TIME_SCALE: '0.01', ...o.dialerEnv } });
  const base = platform.url;
  const browser = await launchChromium().catch(async (err: unknown) => {
    await platform.close();
    throw err;
  });
  const ownerEmail = `owner-${randomUUID().slice(0, 8)}@example.com`;
  const made = await call(base, 'POST', '/v1/admin/tenants', { headers: admin, json: { name: `Console ${randomUUID().slice(0, 6)}`, owner: { email: ownerEmail, name: 'Olive Owner', password: PASSWORD } } });
  if (made.status !== 201) throw new Error(`tenant: ${made.status} ${made.text}`);
  const auth = { authorization: `Bearer ${made.body.apiKey}` };
  const contexts: BrowserContext[] = [];
  const rig: Rig = {
    platform,
    base,
    browser,
    tenant: { id: made.body.id, apiKey: made.body.apiKey, auth, owner: { email: ownerEmail, password: PASSWORD, role: 'owner' } },
    async person(role) {
      const email = `${role}-${randomUUID().slice(0, 8)}@example.com`;
      const res = await call(base, 'POST', '/v1/users', { headers: auth, json: { email, name: `A ${role}`, role, password: PASSWORD } });
      if (res.status !== 201) throw new Error(`user: ${res.status} ${res.text}`);
      return { email, password: PASSWORD, role };
    },
    async open({ as = rig.tenant.owner, path = '/scheduler', language = 'en', timezoneId = 'America/New_York' } = {}) {
      const context = await browser.newContext({ timezoneId, locale: 'en-US', acceptDownloads: true });
      contexts.push(context);
      if (language !== 'en') await context.addInitScript((l: string) => (globalThis as any).localStorage.setItem('autocall.console.language', l), language);
      const page = await context.newPage();
      const problems: string[] = [];
      page.on('console', (m) => {
        // a failed load is told by the 'response' listener below, with its address
        if (m.type() === 'error' && !/^Failed to load resource/.test(m.text())) problems.push(m.text());
      });
      page.on('response', (r) => {
        // API answers of 4xx are the test's to judge (a 401 of /v1/me before login is expected); anything else failing is a problem
        const api = new URL(r.url()).pathname.startsWith('/v1/');
        if (r.status() >= 500 || (!api && r.status() >= 400)) problems.push(`${r.status()} ${r.request().method()} ${new URL(r.url()).pathname}`);
      });
      page.on('pageerror', (e) => problems.push(e.message));
      const t = (key: MessageKey, values?: Record<string, string | number>) => translate(language, key, values);
      if (as) {
        const res = await context.request.post(`${base}/v1/auth/login`, { data: { email: as.email, password: as.password } });
        if (res.status() !== 200) throw new Error(`login: ${res.status()} ${await res.text()}`);
      }
      await page.goto(`${base}/console${path}`);
      return { page, context, problems, t };
    },
    async close() {
      for (const c of contexts) await c.close().catch(() => undefined);
      await browser.close().catch(() => undefined);
      await platform.close();
    },
  };
  return rig;
}


/** A tenant's limits (each null = no limit), as `PATCH /v1/admin/tenants/{id}` takes them. */
export type TenantLimits = Record<'maxConcurrentCalls' | 'callsPerSecond' | 'maxActiveTasks' | 'storageBytes' | 'smsPerDay', number | null>;

/**
 * Sets the rig tenant's limits as the platform admin, then waits until the service that enforces
 * them (its schema: task, sms, recording, roster) keeps this version (they reach it by the bus).
 */
export async function setTenantLimits(rig: Rig, limits: Partial<TenantLimits>, schema: 'task' | 'sms' | 'recording' | 'roster'): Promise<void> {
  const res = await call(rig.base, 'PATCH', `/v1/admin/tenants/${rig.tenant.id}`, { headers: admin, json: { limits } });
  if (res.status !== 200) throw new Error(`limits: ${res.status} ${res.text}`);
  const [{ version }] = await sql<{ version: number }>(`SELECT max((payload->>'version')::int) AS version FROM gateway.outbox WHERE name = 'tenant.limits-updated' AND payload->>'tenantId' = $1`, [rig.tenant.id]);
  await eventually(async () => (await sql<{ v: number }>(`SELECT version::int AS v FROM ${schema}.tenant_limits WHERE tenant_id = $1`, [rig.tenant.id]))[0]?.v === version, 15_000);
}
