import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from '@autocall/http';
import { createLogger } from '@autocall/logger';
import { CONSOLE_CSP, CONSOLE_DIST, consoleRoutes } from '../src/http/console.routes';
import { call, closeClient, deadUrl, startGateway, type Gateway } from './helpers';

// The web console as the gateway serves it: the build `pnpm build` leaves in gateway/console/dist.
let gw: Gateway;
beforeAll(async () => {
  if (!existsSync(join(CONSOLE_DIST, 'index.html'))) throw new Error(`${CONSOLE_DIST} is missing: run \`pnpm build\` first (pnpm test does)`);
  const dead = await deadUrl();
  gw = await startGateway({ SMS_URL: dead, ROSTER_URL: dead, TASK_URL: dead, RECORDING_URL: dead, DIALER_URL: dead });
});
afterAll(async () => {
  await gw?.close();
  await closeClient();
});

const assetsOf = (html: string) => [...html.matchAll(/(?:src|href)="(\/console\/assets\/[^"]+)"/g)].map((m) => m[1]);

describe('the web console at /console', () => {
  it('when /console is opened without any key, then index.html comes, revalidated on every load, under a strict CSP that forbids framing', async () => {
    const res = await call(gw.url, 'GET', '/console');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers['content-security-policy']).toBe(CONSOLE_CSP);
    expect(CONSOLE_CSP).toContain("script-src 'self'");
    expect(CONSOLE_CSP).not.toContain('unsafe-inline');
    expect(CONSOLE_CSP).toContain("frame-ancestors 'none'");
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.text).toContain('<div id="root">');
  });

  it('when index.html is read, then it has no inline script: every script is a file of the build', async () => {
    const { text } = await call(gw.url, 'GET', '/console/');
    const scripts = [...text.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attrs, body] of scripts) {
      expect(attrs).toMatch(/src="\/console\/assets\//);
      expect(body.trim()).toBe('');
    }
    expect(text).not.toMatch(/<style\b/);
  });

  it('when a hashed asset is fetched, then it is cached for a year as immutable, gzipped when asked, and 304 on its ETag', async () => {
    const { text } = await call(gw.url, 'GET', '/console');
    const assets = assetsOf(text);
    expect(assets.some((a) => a.endsWith('.js'))).toBe(true);
    expect(assets.some((a) => a.endsWith('.css'))).toBe(true);
    for (const asset of assets) {
      expect(asset).toMatch(/-[\w-]{8,}\.(js|css)$/); // a content hash in the name
      const res = await call(gw.url, 'GET', asset);
      expect(res.status).toBe(200);
      expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(res.headers['content-type']).toBe(asset.endsWith('.js') ? 'text/javascript; charset=utf-8' : 'text/css; charset=utf-8');
      expect(res.headers['x-frame-options']).toBe('DENY');
      const zipped = await call(gw.url, 'GET', asset, { headers: { 'accept-encoding': 'gzip, br' } });
      expect(zipped.headers['content-encoding']).toBe('gzip');
      const again = await call(gw.url, 'GET', asset, { headers: { 'if-none-match': String(res.headers.etag) } });
      expect(again.status).toBe(304);
    }
  });

  it('when a path of the app is opened (a reload on /console/scheduler), then index.html comes (SPA fallback); a missing asset is a 404, never HTML', async () => {
    const index = await call(gw.url, 'GET', '/console');
    for (const path of ['/console/scheduler', '/console/task-roster?page=2', '/console/tasks/0190b7a0-0000-7000-8000-000000000000/calls']) {
      const res = await call(gw.url, 'GET', path);
      expect({ path, status: res.status, type: res.headers['content-type'], cache: res.headers['cache-control'] }).toEqual({ path, status: 200, type: 'text/html; charset=utf-8', cache: 'no-cache' });
      expect(res.text).toBe(index.text);
      expect(res.headers['content-security-policy']).toBe(CONSOLE_CSP);
    }
    const missing = await call(gw.url, 'GET', '/console/assets/index-0000000000.js');
    expect(missing.status).toBe(404);
    expect(missing.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('when the console is served, then /v1 still asks for a key (the console is static files only)', async () => {
    expect((await call(gw.url, 'GET', '/v1/tasks')).status).toBe(401);
  });

  it('when the console was never built, then /console says so (503) instead of a blank page', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'console-'));
    const app = createServer({ name: 'console-test', logger: createLogger('console-test', 'silent') });
    try {
      await app.register(consoleRoutes, { root: empty });
      const res = await app.inject({ method: 'GET', url: '/console/scheduler' });
      expect(res.statusCode).toBe(503);
      expect(res.json().code).toBe('CONSOLE_NOT_BUILT');
    } finally {
      await app.close();
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
