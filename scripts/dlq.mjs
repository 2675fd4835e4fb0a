// pnpm dlq: the dead-letter queues of every service, looked at and re-driven. See `pnpm dlq --help`.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

const HELP = `Usage: pnpm dlq <command> [options]

Commands:
  list                          every dead-letter queue with its message count (the default)
  show <queue> [--limit N]      the first N (10) dead letters of <queue>: reason, headers and body,
                                phone numbers masked; they stay where they are
  replay <queue> <messageId>    moves one dead letter back to <queue>, to be handled again
  replay <queue> --all          moves every dead letter of <queue> back (those there when it starts)

<queue> is a consumer queue (sms.call-completed), not its .dlq. A replayed message keeps its body
and headers (its retry and parking counters start again); its consumer's inbox makes a message that
had been handled change nothing. On RabbitMQ each message is republished with a confirm and only then
acknowledged (AMQP only, no management plugin needed).

Options:
  --transport rabbitmq|in-process   rabbitmq (default), or in-process: single-process mode's bus,
                                    whose dead letters are rows of bus.dead_letters (DATABASE_URL)
  --amqp <url>                      RabbitMQ URL with its vhost (default $AMQP_URL, else amqp://guest:guest@127.0.0.1:5672)
  --db <url>                        PostgreSQL URL for --transport in-process (default $DATABASE_URL, else postgres://postgres@127.0.0.1:5432/autocall)
  --queue <name>                    list: look at this queue too (repeatable); the platform's queues are always looked at,
                                    and where rabbitmqctl is on PATH every *.dlq of the vhost is found with it
  --json                            machine-readable output
  -h, --help                        this text
`;

function parseArgs(argv) {
  const out = { positional: [], queues: [], transport: 'rabbitmq', limit: 10, json: false, all: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) fail(`${a} needs a value`);
      return v;
    };
    if (a === '-h' || a === '--help') out.help = true;
    else if (a === '--transport') out.transport = value();
    else if (a === '--amqp') out.amqp = value();
    else if (a === '--db') out.db = value();
    else if (a === '--queue') out.queues.push(value());
    else if (a === '--limit') out.limit = Number(value());
    else if (a === '--json') out.json = true;
    else if (a === '--all') out.all = true;
    else if (a === '--') continue;
    else if (a.startsWith('-')) fail(`unknown option ${a}`);
    else out.positional.push(a);
  }
  return out;
}

function fail(message) {
  process.stderr.write(`dlq: ${message}\n\n${HELP}`);
  process.exit(2);
}

/** Every *.dlq of the URL's vhost, when rabbitmqctl can be asked (the broker's own machine, CI). */
function discover(url) {
  try {
    const vhost = decodeURIComponent(new URL(url).pathname.replace(/^\//, '')) || '/';
    const names = execFileSync('rabbitmqctl', ['-q', 'list_queues', '-p', vhost, 'name'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 15_000 });
    return names.split('\n').map((l) => l.trim()).filter((n) => n.endsWith('.dlq')).map((n) => n.slice(0, -4));
  } catch {
    return [];
  }
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (args.help) return void process.stdout.write(HELP);
  const [command = 'list', queue, messageId] = args.positional;
  if (!['list', 'show', 'replay'].includes(command)) fail(`unknown command ${command}`);
  if (command !== 'list' && !queue) fail(`${command} needs a queue`);
  if (command === 'replay' && !messageId && !args.all) fail('replay needs a message id or --all');
  if (!['rabbitmq', 'in-process'].includes(args.transport)) fail(`unknown transport ${args.transport}`);
  const busDist = join(root, 'libs/bus/dist/index.js');
  if (!existsSync(busDist)) fail('libs/bus/dist is missing: run "pnpm build" first');
  const { RabbitDeadLetters, PgDeadLetters, PLATFORM_QUEUES } = require(busDist);

  let store;
  let close;
  if (args.transport === 'rabbitmq') {
    const url = args.amqp ?? process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
    store = await RabbitDeadLetters.connect(url);
    close = () => store.close();
    store.names = () => [...new Set([...PLATFORM_QUEUES, ...args.queues, ...discover(url)])].sort();
  } else {
    const { Client } = createRequire(join(root, 'libs/db/package.json'))('pg');
    const client = new Client({ connectionString: args.db ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/autocall' });
    await client.connect();
    store = new PgDeadLetters({ query: async (sql, params) => (await client.query(sql, params)).rows });
    close = () => client.end();
  }
  try {
    if (command === 'list') {
      const counts = args.transport === 'rabbitmq' ? await store.list(store.names()) : await store.list();
      if (args.json) return void process.stdout.write(`${JSON.stringify(counts)}\n`);
      if (counts.length === 0) return void process.stdout.write('no dead-letter queues found\n');
      const width = Math.max(...counts.map((c) => c.queue.length), 5);
      process.stdout.write(`${'queue'.padEnd(width)}  dead letters\n`);
      for (const c of counts) process.stdout.write(`${c.queue.padEnd(width)}  ${c.messages}\n`);
    } else if (command === 'show') {
      const letters = await store.show(queue, args.limit);
      if (args.json) return void process.stdout.write(`${JSON.stringify(letters)}\n`);
      if (letters.length === 0) return void process.stdout.write(`no dead letters in ${queue}\n`);
      for (const l of letters) {
        process.stdout.write(`--- ${l.messageId ?? '(no id)'} ${l.event ?? ''}\nreason:  ${l.reason ?? '(none)'}\nheaders: ${JSON.stringify(l.headers)}\nbody:    ${JSON.stringify(l.body)}\n`);
      }
    } else {
      const n = await store.replay(queue, args.all ? 'all' : { messageId });
      if (args.json) return void process.stdout.write(`${JSON.stringify({ replayed: n })}\n`);
      process.stdout.write(`replayed ${n} message${n === 1 ? '' : 's'} to ${queue}\n`);
      if (n === 0 && !args.all) process.exitCode = 1;
    }
  } finally {
    await close();
  }
}

main().catch((err) => {
  process.stderr.write(`dlq: ${err.message}\n`);
  process.exit(1);
});
