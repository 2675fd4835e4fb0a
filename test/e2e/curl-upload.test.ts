/**
 * music-metadata (the recording service) exports only import / module-sync conditions.
 * @jest-environment-options {"customExportConditions": ["node", "node-addons", "module-sync"]}
 */
/**
 * Uploads with the real `curl` binary through the gateway: curl sends `Expect: 100-continue` for
 * bodies over 1 MiB and waits for the `100 Continue` before sending them, so these are the uploads
 * the README's walk-through makes.
 */
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import ExcelJS from 'exceljs';
import { fixture } from '../../services/recording/test/helpers';
import { newTenant, startPlatform, type Platform } from './platform';

const run = promisify(execFile);

let platform: Platform;
let auth: Record<string, string>;
let dir: string;
// each 3 MiB recording is decoded whole by the recording service (about 6 s of CPU on a loaded two-core
// machine); three of them in one test outgrow the default 30 s when the other suites share the cores
jest.setTimeout(120_000);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'autocall-curl-'));
  platform = await startPlatform();
  auth = (await newTenant(platform.url)).auth;
}, 60_000);
afterAll(async () => {
  await platform?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Curled {
  status: number;
  body: any;
  /** What curl itself printed about the exchange (-v): the request and response heads. */
  trace: string;
}

/** `curl -sS -v -F …` as a user would type it; the status and the JSON answer. */
async function curl(path: string, form: string[], headers: Record<string, string> = {}): Promise<Curled> {
  const args = ['-sS', '-v', '--max-time', '120', '-o', '-', '-w', '\n%{http_code}', '-X', 'POST', `${platform.url}${path}`];
  for (const [k, v] of Object.entries({ ...auth, ...headers })) args.push('-H', `${k}: ${v}`);
  for (const f of form) args.push('-F', f);
  const { stdout, stderr } = await run('curl', args, { maxBuffer: 16 * 1024 * 1024 });
  const nl = stdout.lastIndexOf('\n');
  const text = stdout.slice(0, nl);
  return { status: Number(stdout.slice(nl + 1)), body: text ? JSON.parse(text) : undefined, trace: stderr };
}

/** A roster of `rows` numbers with a column of random text, so the workbook does not compress away. */
async function rosterFile(name: string, rows: number, noteBytes: number): Promise<string> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('Roster');
  ws.addRow(['Phone Number', 'Name', 'Note']);
  ws.getColumn(1).numFmt = '@';
  for (let i = 0; i < rows; i++) ws.addRow([`8123${String(i).padStart(7, '0')}`, `Callee ${i}`, noteBytes ? randomBytes(noteBytes).toString('base64') : '']);
  const path = join(dir, name);
  writeFileSync(path, Buffer.from(await wb.xlsx.writeBuffer()));
  return path;
}

/** An MP3 of about `bytes`: the frames of a fixture repeated (an MPEG stream may be cut at any frame). */
function recordingFile(name: string, bytes: number): string {
  const clip = fixture('stereo-44k.mp3');
  const path = join(dir, name);
  writeFileSync(path, Buffer.concat(Array.from({ length: Math.ceil(bytes / clip.length) }, () => clip)));
  return path;
}

describe('when curl uploads a big file through the gateway (Expect: 100-continue)', () => {
  it('then a 5 MiB roster is accepted and validated, with and without an Idempotency-Key', async () => {
    const file = await rosterFile('roster.xlsx', 72_000, 48);
    expect(statSync(file).size).toBeGreaterThan(5 * 1024 * 1024);

    const plain = await curl('/v1/rosters?wait=true', [`file=@${file}`, 'name=Big list']);
    expect(plain.trace).toMatch(/> Expect: 100-continue/i);
    expect(plain.trace).toMatch(/< HTTP\/1\.1 100 Continue/i);
    expect([plain.status, plain.body.status, plain.body.counts.valid]).toEqual([201, 'ready', 72_000]);

    const key = randomUUID();
    const first = await curl('/v1/rosters?wait=true', [`file=@${file}`, 'name=Big list again'], { 'Idempotency-Key': key });
    expect([first.status, first.body.status, first.body.counts.valid]).toEqual([201, 'ready', 72_000]);
    const replay = await curl('/v1/rosters?wait=true', [`file=@${file}`, 'name=Big list again'], { 'Idempotency-Key': key });
    expect([replay.status, replay.body.id]).toEqual([201, first.body.id]);
  });

  it('then a 3 MiB recording is accepted, with and without an Idempotency-Key', async () => {
    const file = recordingFile('promo.mp3', 3 * 1024 * 1024);
    const plain = await curl('/v1/recordings', [`file=@${file}`, 'name=Big promo']);
    expect(plain.trace).toMatch(/> Expect: 100-continue/i);
    expect([plain.status, plain.body.status, plain.body.sizeBytes]).toEqual([201, 'ready', statSync(file).size]);

    const key = randomUUID();
    const first = await curl('/v1/recordings', [`file=@${file}`, 'name=Big promo again'], { 'Idempotency-Key': key });
    expect([first.status, first.body.status]).toEqual([201, 'ready']);
    const replay = await curl('/v1/recordings', [`file=@${file}`, 'name=Big promo again'], { 'Idempotency-Key': key });
    expect([replay.status, replay.body.id]).toEqual([201, first.body.id]);
  });

  it('then a refused upload gets its answer without 100 Continue, and curl never sends the file', async () => {
    const file = recordingFile('refused.mp3', 3 * 1024 * 1024);
    const res = await curl('/v1/recordings', [`file=@${file}`], { authorization: 'Bearer not-a-key' });
    expect(res.status).toBe(401);
    expect(res.trace).toMatch(/> Expect: 100-continue/i);
    expect(res.trace).not.toMatch(/< HTTP\/1\.1 100 Continue/i);
    expect(res.trace).not.toMatch(/upload completely sent off/i);
  });

  it('then a JSON body over the limit, or a path no route serves, gets its 413/404 without 100 Continue', async () => {
    const big = join(dir, 'big.json');
    writeFileSync(big, JSON.stringify({ name: 'x'.repeat(2 * 1024 * 1024) }));
    const small = join(dir, 'small.json');
    writeFileSync(small, JSON.stringify({ name: 'x'.repeat(100 * 1024) }));
    for (const [path, file, status] of [['/v1/tasks', big, 413], ['/v1/no-such-route', small, 404]] as const) {
      const args = ['-sS', '-v', '-o', '/dev/null', '-w', '%{http_code}', '-X', 'POST', `${platform.url}${path}`, '-H', `authorization: ${auth.authorization}`, '-H', 'content-type: application/json', '-H', 'Expect: 100-continue'];
      const { stdout, stderr } = await run('curl', [...args, '--data-binary', `@${file}`]);
      expect([path, Number(stdout)]).toEqual([path, status]);
      expect(stderr).toMatch(/> Expect: 100-continue/i);
      expect(stderr).not.toMatch(/< HTTP\/1\.1 100 Continue/i);
    }
  });

  it("then the README's walk-through takes a 100,000-row roster from the template", async () => {
    const file = await rosterFile('walkthrough.xlsx', 100_000, 0);
    const res = await curl('/v1/rosters?wait=true', [`file=@${file}`, 'name=January list']);
    expect([res.status, res.body.status, res.body.counts.valid]).toEqual([201, 'ready', 100_000]);
  });
});
