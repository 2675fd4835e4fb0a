import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..');

describe('README', () => {
  it('when a service reads a variable, then the configuration table lists it with its default', () => {
    const table = execFileSync(process.execPath, [join(root, 'scripts/config-table.mjs')], { encoding: 'utf8' }).trim();
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    expect(readme).toContain(table);
  });

  it('when CI runs, then it calls the README test command', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const ci = readFileSync(join(root, '.ci/run'), 'utf8');
    expect(readme).toContain('bash scripts/setup.sh && pnpm test');
    expect(ci).toContain('bash scripts/setup.sh');
    expect(ci).toMatch(/^pnpm test$/m);
  });
});
