import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/*
 * The shape of a service (../shared/STYLE.md, docs/CONTRIBUTING.md): `domain/` is pure rules, types
 * and ports, so it imports nothing with I/O, no framework, no SQL and none of the layers around it;
 * the thin edges (`http/`, `messaging/`) call use cases, never `data/` directly.
 */
const layer = (message, names) => names.map((name) => ({ name, message }));
const io = 'domain/ is pure: I/O, frameworks and SQL live in data/, adapters/ or usecases/ behind a port (issue 12).';
const domainImports = {
  paths: layer(io, [
    'typeorm', 'pg', 'fastify', 'amqplib', 'undici',
    'node:dns', 'dns', 'node:dns/promises', 'dns/promises',
    'node:net', 'net',
    'node:worker_threads', 'worker_threads',
    'node:fs', 'fs', 'node:fs/promises', 'fs/promises',
    '@autocall/db', '@autocall/bus', '@autocall/http',
  ]),
  patterns: [
    { group: ['typeorm/*', 'pg/*', 'fastify/*', 'amqplib/*', 'undici/*'], message: io },
    { regex: '^(\\.\\./)+(data|adapters|usecases)(/|$)', message: 'domain/ is the middle: data/, adapters/ and usecases/ depend on it, not the other way (issue 12).' },
  ],
};
const edgeImports = {
  patterns: [{ regex: '^(\\.\\./)+data(/|$)', message: 'http/ and messaging/ are thin: parse, call one use case, reply; SQL stays behind it in data/ (issue 12).' }],
};

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'coverage/**', '**/*.js', '**/*.mjs', '.data/**', 'gateway/console/src/api/schema.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { project: './tsconfig.json', tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  // the web console (gateway/console) is a browser app with its own tsconfig (DOM, JSX); its jest tests are in the root one
  {
    files: ['gateway/console/src/**/*.{ts,tsx}', 'gateway/console/vite.config.ts'],
    languageOptions: { parserOptions: { project: './gateway/console/tsconfig.json', tsconfigRootDir: import.meta.dirname } },
  },
  { files: ['**/src/domain/**/*.ts'], rules: { 'no-restricted-imports': ['error', domainImports] } },
  { files: ['**/src/http/**/*.ts', '**/src/messaging/**/*.ts'], rules: { 'no-restricted-imports': ['error', edgeImports] } },
);
