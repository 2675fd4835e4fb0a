// Rewrites the configuration table between the README's config markers from the config schemas.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

const readme = new URL('../README.md', import.meta.url);
const table = execFileSync(process.execPath, [new URL('./config-table.mjs', import.meta.url).pathname], { encoding: 'utf8' }).trim();
const text = readFileSync(readme, 'utf8').replace(/<!-- config:start -->[\s\S]*<!-- config:end -->/, `<!-- config:start -->\n${table}\n<!-- config:end -->`);
writeFileSync(readme, text);
