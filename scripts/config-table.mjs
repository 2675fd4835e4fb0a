// Prints the README's configuration table from the config schemas' source (one comment per variable),
// so the table cannot drift from what the code reads. Usage: node scripts/config-table.mjs
import { readFileSync } from 'node:fs';

const files = [
  ['all', 'libs/config/src/index.ts'],
  ['gateway', 'gateway/src/config.ts'],
  ['task', 'services/task/src/config.ts'],
  ['roster', 'services/roster/src/config.ts'],
  ['recording', 'services/recording/src/config.ts'],
  ['sms', 'services/sms/src/config.ts'],
  ['dialer', 'services/dialer/src/config.ts'],
  ['events', 'services/events/src/config.ts'],
];
const rows = [];
for (const [who, file] of files) {
  const src = readFileSync(new URL(`../${file}`, import.meta.url), 'utf8');
  const re = /\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\s*\n\s*([A-Z][A-Z0-9_]+):\s*([^\n]*(?:\n(?!\s*\/\*\*|\s*[A-Z][A-Z0-9_]+:)[^\n]*)*)/g;
  for (const m of src.matchAll(re)) {
    const doc = m[1].replace(/\n\s*\*\s?/g, ' ').replace(/\s+/g, ' ').trim();
    const def = /default:\s*('([^']*)'|"([^"]*)"|`[^`]*`|(?:[^,{}()]|\([^()]*\))+)/.exec(m[3]);
    let value = def ? (def[2] ?? def[3] ?? def[1].trim()) : '—';
    if (value.startsWith('`')) value = value.replace(/\$\{([^}]*)\}/g, '<$1>').replace(/`/g, '');
    rows.push(`| \`${m[2]}\` | ${who} | ${value === '' ? '(empty)' : `\`${value}\``} | ${doc.replace(/\|/g, '\\|')} |`);
  }
}
console.log('| variable | read by | default | meaning |\n| --- | --- | --- | --- |\n' + rows.join('\n'));
