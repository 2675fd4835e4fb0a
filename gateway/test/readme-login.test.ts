import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { TEST_ADMIN_TOKEN } from '@autocall/testing';
import { closeClient, startGateway, type Gateway } from './helpers';

/** The README's curl walk-through of login and cookie requests, run as written with the real curl and jq. */
const run = promisify(execFile);
// the walk-through calls only the gateway's own routes: no service behind it
let gw: Gateway;
const dir = mkdtempSync(join(tmpdir(), 'autocall-login-'));
beforeAll(async () => (gw = await startGateway({})));
afterAll(async () => {
  await Promise.all([gw?.close(), closeClient()]);
  rmSync(dir, { recursive: true, force: true });
});

/** The bash block that starts with the login walk-through's first comment. */
function walkThrough(): string {
  const readme = readFileSync(join(__dirname, '../../README.md'), 'utf8');
  const start = readme.indexOf('# the admin creates a tenant with its first owner');
  const end = readme.indexOf('```', start);
  if (start === -1 || end === -1) throw new Error('the README has no login walk-through');
  return readme.slice(start, end);
}

describe("the README's login walk-through", () => {
  it('when run with curl, then the owner logs in, reads with the cookie, adds a user with the CSRF token, reads the audit log and logs out (204)', async () => {
    // the README's emails, made unique so that the script can run again on the same database
    const script = walkThrough().replaceAll('acme.example', `acme-${randomUUID().slice(0, 8)}.example`);
    const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', script], { cwd: dir, env: { ...process.env, GW: gw.url, ADMIN: TEST_ADMIN_TOKEN }, timeout: 30_000 });
    const lines = stdout.trim().split('\n');
    expect(lines[lines.length - 1]).toBe('204');
    expect(stdout).toContain('"role":"owner"');
    expect(stdout).toContain('"role":"viewer"');
    expect(stdout).toContain('"user.create"');
    expect(stdout).not.toContain('a long enough secret');
  });
});
