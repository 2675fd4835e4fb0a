// Per-hop latency of the in-process bus (PgBus): from the start of publish() to the start of the
// subscriber's handler, one message at a time with random gaps (so a message does not arrive just
// as a poll happens to start). Also the idle cost of the bus: CPU of this process while K queues
// are subscribed and nothing is published.
//   node libs/bus/bench/hop-latency.mjs            (DATABASE_URL, default the local server)
//   HOPS=300 QUEUES=20 IDLE_S=15 node libs/bus/bench/hop-latency.mjs
// Needs `pnpm build` first (it loads dist/).
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, '..', 'package.json'));
const { PgBus, on } = require('./dist/index.js');
const { createDataSource, ensureDatabase } = require('@autocall/db');
const { createLogger } = require('@autocall/logger');
const { defineEvent } = require('@autocall/contracts');
const { Type } = require('@sinclair/typebox');

const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/autocall_bus_bench';
const HOPS = Number(process.env.HOPS ?? 200);
const QUEUES = Number(process.env.QUEUES ?? 20);
const IDLE_S = Number(process.env.IDLE_S ?? 15);
const Hop = defineEvent('bench.hop', 1, Type.Object({ i: Type.Integer() }));
const Idle = defineEvent('bench.idle', 1, Type.Object({}));

await ensureDatabase(url);
const db = createDataSource({ url, schema: 'bus', migrations: [], poolSize: 10 });
await db.initialize();
const bus = await PgBus.create({ db, logger: createLogger('bench', 'warn'), soleConsumer: true });
await db.query(`DELETE FROM bus.messages WHERE queue LIKE 'bench.%'`);

// the idle queues a platform has (one per consumer of each service)
for (let q = 0; q < QUEUES - 1; q++) await bus.subscribe(`bench.idle.${q}`, [on(Idle, async () => undefined)]);
let pending;
await bus.subscribe('bench.hop', [on(Hop, async (p) => pending?.(p.i))]);
await new Promise((r) => setTimeout(r, 1000));

const cpu0 = process.cpuUsage();
const t0 = process.hrtime.bigint();
await new Promise((r) => setTimeout(r, IDLE_S * 1000));
const cpu = process.cpuUsage(cpu0);
const idleWall = Number(process.hrtime.bigint() - t0) / 1e6;
const idlePct = (100 * (cpu.user + cpu.system)) / 1000 / idleWall;

const lat = [];
for (let i = 0; i < HOPS; i++) {
  await new Promise((r) => setTimeout(r, Math.random() * 30));
  const got = new Promise((resolve) => (pending = (n) => n === i && resolve(process.hrtime.bigint())));
  const start = process.hrtime.bigint();
  await bus.publish(Hop, { i });
  lat.push(Number((await got) - start) / 1e6);
}
lat.sort((a, b) => a - b);
const q = (p) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))].toFixed(2);
const mean = (lat.reduce((a, b) => a + b, 0) / lat.length).toFixed(2);
const load = (await import('node:os')).loadavg().map((l) => l.toFixed(2)).join(' ');
console.log(`PgBus, ${QUEUES} subscribed queues: idle CPU of this process ${idlePct.toFixed(1)}% of a core over ${IDLE_S} s`);
console.log(`publish → handler over ${HOPS} hops (ms): mean ${mean}, p50 ${q(0.5)}, p95 ${q(0.95)}, p99 ${q(0.99)}, max ${lat.at(-1).toFixed(2)}  (load average ${load})`);
await bus.close();
await db.destroy();
