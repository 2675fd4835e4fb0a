// Transpiles every package's src/ to dist/ with swc (type checking is `pnpm typecheck`), then builds the web console with Vite.
import { transformFile } from '@swc/core';
import { readdirSync, statSync, mkdirSync, writeFileSync, existsSync, readFileSync, renameSync } from 'node:fs';
import { join, dirname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const packages = ['libs', 'services']
  .flatMap((d) => readdirSync(join(root, d)).map((p) => join(root, d, p)))
  .concat(join(root, 'gateway'))
  .filter((p) => existsSync(join(p, 'src')));

function* walk(dir) {
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) yield* walk(full);
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) yield full;
  }
}

const options = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2022',
    keepClassNames: true,
  },
  module: { type: 'commonjs' },
  sourceMaps: true,
};

/**
 * Writes a built file only when its content changed, and then by a rename: a process that loads
 * dist/ while a build runs (a second `pnpm start`, a test that starts the platform beside other
 * suites) never reads a half-written file, and an up-to-date build touches nothing.
 */
function writeIfChanged(path, content) {
  if (existsSync(path) && readFileSync(path, 'utf8') === content) return;
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, content);
  renameSync(tmp, path);
}

const jobs = [];
for (const pkg of packages) {
  for (const file of walk(join(pkg, 'src'))) {
    const out = join(pkg, 'dist', relative(join(pkg, 'src'), file)).replace(/\.ts$/, '.js');
    jobs.push(
      transformFile(file, { ...options, sourceFileName: relative(dirname(out), file) }).then((r) => {
        mkdirSync(dirname(out), { recursive: true });
        writeIfChanged(out, r.code + `\n//# sourceMappingURL=${out.split('/').pop()}.map\n`);
        if (r.map) writeIfChanged(out + '.map', r.map);
      }),
    );
  }
}
await Promise.all(jobs);
console.log(`built ${jobs.length} files in ${packages.length} packages`);

// The web console (gateway/console): a Vite build into gateway/console/dist, which the gateway
// serves at /console. Skipped when that build is newer than every file it is made from.
const consoleDir = join(root, 'gateway', 'console');
const consoleIndex = join(consoleDir, 'dist', 'index.html');
function newestInput() {
  let newest = 0;
  const visit = (p) => {
    const s = statSync(p);
    if (s.isDirectory()) for (const name of readdirSync(p)) visit(join(p, name));
    else newest = Math.max(newest, s.mtimeMs);
  };
  for (const p of ['src', 'index.html', 'vite.config.ts', 'package.json']) if (existsSync(join(consoleDir, p))) visit(join(consoleDir, p));
  return newest;
}
if (existsSync(consoleIndex) && statSync(consoleIndex).mtimeMs > newestInput()) {
  console.log('console: gateway/console/dist is up to date');
} else {
  const { createRequire } = await import('node:module');
  const { pathToFileURL } = await import('node:url');
  const vite = await import(pathToFileURL(createRequire(join(consoleDir, 'package.json')).resolve('vite')).href);
  const started = Date.now();
  await vite.build({ root: consoleDir, configFile: join(consoleDir, 'vite.config.ts'), logLevel: 'warn' });
  console.log(`console: built gateway/console/dist in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
