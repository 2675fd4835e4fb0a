/**
 * music-metadata 11 exports only import / module-sync conditions; jest resolves require/node by default.
 * @jest-environment-options {"customExportConditions": ["node", "node-addons", "module-sync"]}
 */
import { existsSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { resolve } from 'node:path';
import { RecordingCreated, RecordingDeleted, RecordingGet, RecordingRelease, RecordingReserve } from '@autocall/contracts';
import { on, type Bus } from '@autocall/bus';
import { asTenant, connectTestBus, eventually, newTenantId, sql, startTestService, TEST_INTERNAL_TOKEN, type TestService } from '@autocall/testing';
import { buildApp, RECORDING_SCHEMA, recordingMigrations } from '../src/app';
import { recordingConfigSchema, type RecordingConfig } from '../src/config';
import { ulawToLinear } from '@autocall/audio';
import { fileParts, fixture, multipart, PNG, type Part } from './helpers';

let svc: TestService<RecordingConfig>;
let small: TestService<RecordingConfig>;
let listener: Bus;
const events: { name: string; payload: Record<string, unknown> }[] = [];

beforeAll(async () => {
  const opts = { name: 'recording', schema: RECORDING_SCHEMA, migrations: recordingMigrations, configSchema: recordingConfigSchema, buildApp };
  svc = await startTestService(opts);
  small = await startTestService({ ...opts, env: { RECORDING_MAX_BYTES: '10000' } });
  listener = await connectTestBus('recording-test');
  await listener.subscribe('recording-test.recording-events', [
    on(RecordingCreated, async (p) => void events.push({ name: 'recording.created', payload: p })),
    on(RecordingDeleted, async (p) => void events.push({ name: 'recording.deleted', payload: p })),
  ]);
});
afterAll(async () => {
  await listener?.close();
  await svc?.close();
  await small?.close();
});

const upload = (tenant: string, parts: Part[], s = svc) => {
  const body = multipart(parts);
  return s.app.inject({ method: 'POST', url: '/v1/recordings', headers: { ...asTenant(tenant), ...body.headers }, payload: body.payload });
};
const get = (tenant: string, url: string, headers: Record<string, string> = {}) => svc.app.inject({ method: 'GET', url, headers: { ...asTenant(tenant), ...headers } });
const total = async (tenant: string) => (await get(tenant, '/v1/recordings')).json().total as number;
const rendition = (tenant: string, id: string, encoding?: string) => get(tenant, `/internal/recordings/${id}/rendition${encoding ? `?encoding=${encoding}` : ''}`);

/** Frames of an MP3 repeated: a long file that exists only in memory. */
const repeat = (file: Buffer, times: number) => Buffer.concat(Array.from({ length: times }, () => file));

describe('upload of real MP3s', () => {
  it.each([
    ['mono-8k.mp3', { sampleRateHz: 8000, channels: 1, bitrateKbps: 16 }, 576],
    ['stereo-44k.mp3', { sampleRateHz: 44100, channels: 2, bitrateKbps: 80 }, 1152],
    ['vbr.mp3', { sampleRateHz: 22050, channels: 1 }, 576],
    ['id3v2.mp3', { sampleRateHz: 22050, channels: 1, bitrateKbps: 32 }, 576],
  ] as const)('when %s is uploaded, then 201 with its measures, a rendition of 8000 bytes per second and the identical bytes back', async (file, expected, samplesPerFrame) => {
    const tenant = newTenantId();
    const bytes = fixture(file);
    const res = await upload(tenant, fileParts(bytes, file));
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(res.headers.location).toBe(`/v1/recordings/${body.id}`);
    expect(Object.keys(body).sort()).toEqual(['bitrateKbps', 'channels', 'createdAt', 'durationMs', 'fileName', 'id', 'name', 'sampleRateHz', 'sizeBytes', 'status', 'updatedAt']);
    expect(body).toMatchObject({ ...expected, name: file.replace(/\.mp3$/, ''), fileName: file, sizeBytes: bytes.length, status: 'ready' });
    expect(body.durationMs).toBeGreaterThanOrEqual(1990);
    expect(body.durationMs).toBeLessThanOrEqual(3200);

    const ulaw = await rendition(tenant, body.id);
    expect(ulaw.statusCode).toBe(200);
    expect(ulaw.headers['content-type']).toBe('audio/basic');
    const oneFrameBytes = Math.ceil((samplesPerFrame * 8000) / body.sampleRateHz);
    expect(Math.abs(ulaw.rawPayload.length - body.durationMs * 8)).toBeLessThanOrEqual(oneFrameBytes);
    // a tone, not silence: the μ-law decodes to a signal with real energy
    const pcm = [...ulaw.rawPayload].map(ulawToLinear);
    const rms = Math.sqrt(pcm.reduce((a, v) => a + v * v, 0) / pcm.length);
    expect(rms).toBeGreaterThan(1000);
    const alaw = await rendition(tenant, body.id, 'alaw');
    expect(alaw.headers['content-type']).toBe('audio/x-alaw-basic');
    expect(alaw.rawPayload.length).toBe(ulaw.rawPayload.length);

    const audio = await get(tenant, `/v1/recordings/${body.id}/audio`);
    expect(audio.statusCode).toBe(200);
    expect(audio.headers['content-type']).toBe('audio/mpeg');
    expect(audio.headers['accept-ranges']).toBe('bytes');
    expect(Buffer.compare(audio.rawPayload, bytes)).toBe(0);
  });

  it('when the ID3v2 tag is present, then the duration still comes from the frames, not the tag', async () => {
    const tagged = (await upload(newTenantId(), fileParts(fixture('id3v2.mp3')))).json();
    expect(tagged.durationMs).toBeGreaterThan(3000);
  });

  it('when a file is truncated, then its duration is what its frames hold, not what its header claims', async () => {
    const vbr = fixture('vbr.mp3'); // its Xing header says about 3 s
    const res = await upload(newTenantId(), fileParts(vbr.subarray(0, Math.floor(vbr.length / 2))));
    expect(res.statusCode).toBe(201);
    expect(res.json().durationMs).toBeLessThan(2500);
    expect(res.json().durationMs).toBeGreaterThan(500);
  });

  it('when name comes before the file, or after it, then it is used either way', async () => {
    const tenant = newTenantId();
    const first = await upload(tenant, [{ name: 'name', data: '  Promo Januari  ' }, ...fileParts(fixture('mono-8k.mp3'))]);
    const last = await upload(tenant, [...fileParts(fixture('mono-8k.mp3')), { name: 'name', data: '春节 promo' }]);
    expect([first.statusCode, first.json().name]).toEqual([201, 'Promo Januari']);
    expect([last.statusCode, last.json().name]).toEqual([201, '春节 promo']);
  });

  it('when the file name is a path, then only its last segment is kept as metadata and nothing is written anywhere', async () => {
    const res = await upload(newTenantId(), fileParts(fixture('mono-8k.mp3'), '../../evil-x.mp3'));
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ fileName: 'evil-x.mp3', name: 'evil-x' });
    for (const dir of [process.cwd(), __dirname, '/tmp']) expect(existsSync(resolve(dir, '../../evil-x.mp3'))).toBe(false);
    const win = await upload(newTenantId(), fileParts(fixture('mono-8k.mp3'), '..\\..\\win.mp3'));
    expect(win.json().fileName).toBe('win.mp3');
  });

  it('when the client MIME type and extension lie about a real MP3, then the bytes decide and it is accepted', async () => {
    const res = await upload(newTenantId(), fileParts(fixture('stereo-44k.mp3'), 'notes.txt', 'text/plain'));
    expect(res.statusCode).toBe(201);
    expect(res.json().name).toBe('notes');
  });
});

describe('bad uploads', () => {
  it.each([
    ['a WAV renamed .mp3', () => fixture('not-mp3.wav')],
    ['text renamed .mp3', () => Buffer.from('ID3 is not enough. This is a plain text file pretending to be audio.\n'.repeat(20))],
    ['a PNG renamed .mp3', () => PNG],
    ['text followed by MP3 frames (polyglot)', () => Buffer.concat([Buffer.from('<html><script>alert(1)</script></html>\n'), fixture('mono-8k.mp3')])],
    ['a PNG followed by MP3 frames (polyglot)', () => Buffer.concat([PNG, fixture('mono-8k.mp3')])],
    ['MP3 frames followed by a payload (polyglot)', () => Buffer.concat([fixture('mono-8k.mp3'), Buffer.from('<html><script>alert(1)</script></html>'.repeat(100))])],
  ])('when the file is %s, then 415 RECORDING_NOT_MP3 and nothing is stored', async (_what, bytes) => {
    const tenant = newTenantId();
    const res = await upload(tenant, fileParts(bytes(), 'song.mp3', 'audio/mpeg'));
    expect(res.statusCode).toBe(415);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json().code).toBe('RECORDING_NOT_MP3');
    expect(await total(tenant)).toBe(0);
  });

  it.each([
    ['empty', () => Buffer.alloc(0)],
    ['cut inside its first frame', () => fixture('stereo-44k.mp3').subarray(0, 200)],
    ['an ID3v2 tag with no audio after it', () => fixture('id3v2.mp3').subarray(0, 700)],
  ])('when the file is %s, then 422 RECORDING_CORRUPT and nothing is stored', async (_what, bytes) => {
    const tenant = newTenantId();
    const res = await upload(tenant, fileParts(bytes()));
    expect([res.statusCode, res.json().code]).toEqual([422, 'RECORDING_CORRUPT']);
    expect(await total(tenant)).toBe(0);
  });

  it('when the audio lasts over RECORDING_MAX_SECONDS (600), then 422 RECORDING_TOO_LONG', async () => {
    const tenant = newTenantId();
    const long = repeat(fixture('mono-8k.mp3'), 200); // ≈ 630 s of 8 kHz frames
    const res = await upload(tenant, fileParts(long));
    expect([res.statusCode, res.json().code]).toEqual([422, 'RECORDING_TOO_LONG']);
    expect(await total(tenant)).toBe(0);
  });

  it('when the file is over RECORDING_MAX_BYTES, then 413 and nothing is stored', async () => {
    const tenant = newTenantId();
    const res = await upload(tenant, fileParts(fixture('stereo-44k.mp3')), small); // 20 KB > 10000
    expect(res.statusCode).toBe(413);
    expect(res.json().code).toBe('PAYLOAD_TOO_LARGE');
    expect((await small.app.inject({ method: 'GET', url: '/v1/recordings', headers: asTenant(tenant) })).json().total).toBe(0);
    expect((await upload(tenant, fileParts(fixture('mono-8k.mp3')), small)).statusCode).toBe(201);
  });

  it('when RECORDING_MAX_BYTES is not set, then it is 20 MiB', () => {
    expect(svc.deps.config.RECORDING_MAX_BYTES).toBe(20 * 1024 * 1024);
    expect(svc.deps.config.RECORDING_MAX_SECONDS).toBe(600);
  });

  it('when there is no file part, then 400 RECORDING_FILE_MISSING', async () => {
    const res = await upload(newTenantId(), [{ name: 'name', data: 'Only a name' }]);
    expect([res.statusCode, res.json().code]).toEqual([400, 'RECORDING_FILE_MISSING']);
  });

  it('when two files are sent, then 400 and nothing is stored', async () => {
    const tenant = newTenantId();
    const res = await upload(tenant, [...fileParts(fixture('mono-8k.mp3')), ...fileParts(fixture('mono-8k.mp3'), 'b.mp3')]);
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('RECORDING_TOO_MANY_FILES');
    expect(await total(tenant)).toBe(0);
  });

  it.each([
    ['over 100 characters', 'x'.repeat(101)],
    ['empty', ''],
    ['blank', '   '],
  ])('when name is %s, then 400 VALIDATION_FAILED naming it', async (_what, name) => {
    const res = await upload(newTenantId(), [...fileParts(fixture('mono-8k.mp3')), { name: 'name', data: name }]);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: 'name' }] });
  });

  it('when an unknown field or a file under another field is sent, then 400 naming it', async () => {
    const extra = await upload(newTenantId(), [...fileParts(fixture('mono-8k.mp3')), { name: 'colour', data: 'blue' }]);
    expect([extra.statusCode, extra.json().errors?.[0]?.field]).toEqual([400, 'colour']);
    const wrong = await upload(newTenantId(), [{ name: 'audio', filename: 'a.mp3', data: fixture('mono-8k.mp3') }]);
    expect([wrong.statusCode, wrong.json().errors?.[0]?.field]).toEqual([400, 'audio']);
  });

  it('when the body is JSON instead of multipart, then 415', async () => {
    const res = await svc.app.inject({ method: 'POST', url: '/v1/recordings', headers: asTenant(newTenantId()), payload: { file: 'x' } });
    expect(res.statusCode).toBe(415);
  });

  it('when the client disconnects mid-upload, then nothing is stored and the service keeps serving', async () => {
    const tenant = newTenantId();
    await svc.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = svc.app.server.address() as { port: number };
    const body = multipart(fileParts(fixture('stereo-44k.mp3')));
    await new Promise<void>((done) => {
      const socket = connect(port, '127.0.0.1', () => {
        const head = [
          'POST /v1/recordings HTTP/1.1', `Host: 127.0.0.1:${port}`, `Content-Length: ${body.payload.length}`,
          `Content-Type: ${body.headers['content-type']}`, `x-internal-token: ${TEST_INTERNAL_TOKEN}`, `x-autocall-tenant-id: ${tenant}`, '', '',
        ].join('\r\n');
        socket.write(head);
        socket.write(body.payload.subarray(0, Math.floor(body.payload.length / 2)), () => setTimeout(() => socket.destroy(), 50));
      });
      socket.on('close', () => done());
      socket.on('error', () => undefined);
    });
    // the server is still up, over HTTP too, and stored nothing for that tenant
    const status = await new Promise<number>((done, fail) =>
      httpRequest({ port, host: '127.0.0.1', path: '/v1/recordings', headers: asTenant(tenant) }, (res) => {
        res.resume();
        done(res.statusCode ?? 0);
      }).on('error', fail).end(),
    );
    expect(status).toBe(200);
    await new Promise((r) => setTimeout(r, 200));
    expect(await sql(`SELECT id FROM recording.recordings WHERE tenant_id = $1`, [tenant])).toEqual([]);
  });
});

describe('reading, listing, renaming, deleting', () => {
  it('when listing, then newest first, filtered by name case-insensitively, paged, this tenant only', async () => {
    const tenant = newTenantId();
    for (const name of ['Alpha one', 'Beta', 'alpha two']) await upload(tenant, [...fileParts(fixture('mono-8k.mp3')), { name: 'name', data: name }]);
    await upload(newTenantId(), [...fileParts(fixture('mono-8k.mp3')), { name: 'name', data: 'alpha other tenant' }]);
    const all = (await get(tenant, '/v1/recordings')).json();
    expect(all.items.map((i: { name: string }) => i.name)).toEqual(['alpha two', 'Beta', 'Alpha one']);
    expect(all).toMatchObject({ page: 1, pageSize: 20, total: 3 });
    const filtered = (await get(tenant, '/v1/recordings?name=ALPHA&pageSize=1&page=2')).json();
    expect(filtered).toMatchObject({ total: 2, page: 2, pageSize: 1 });
    expect(filtered.items[0].name).toBe('Alpha one');
    expect((await get(tenant, '/v1/recordings?name=100%25')).json().total).toBe(0);
    expect((await get(tenant, '/v1/recordings?pageSize=201')).statusCode).toBe(400);
    const typo = await get(tenant, '/v1/recordings?nmae=Beta'); // a misspelt filter is refused, never silently ignored
    expect(typo.statusCode).toBe(400);
    expect(typo.json().code).toBe('VALIDATION_FAILED');
  });

  it('when another tenant asks, then 404 everywhere, the rendition included', async () => {
    const owner = newTenantId();
    const other = newTenantId();
    const id = (await upload(owner, fileParts(fixture('mono-8k.mp3')))).json().id;
    for (const [method, url, payload] of [
      ['GET', `/v1/recordings/${id}`, undefined],
      ['GET', `/v1/recordings/${id}/audio`, undefined],
      ['GET', `/internal/recordings/${id}/rendition`, undefined],
      ['PATCH', `/v1/recordings/${id}`, { name: 'mine now' }],
      ['DELETE', `/v1/recordings/${id}`, undefined],
    ] as const) {
      const res = await svc.app.inject({ method, url, headers: asTenant(other), payload });
      expect([method, url, res.statusCode, res.json().code]).toEqual([method, url, 404, 'RECORDING_NOT_FOUND']);
    }
    expect((await get(owner, `/v1/recordings/${id}`)).json().name).toBe('clip');
  });

  it('when the id is not a UUID, then 400 INVALID_ID', async () => {
    expect((await get(newTenantId(), '/v1/recordings/nope')).json().code).toBe('INVALID_ID');
    expect((await get(newTenantId(), '/v1/recordings/nope/audio')).json().code).toBe('INVALID_ID');
  });

  it('when a Range is asked, then 206 with exactly those bytes; past the end, 416', async () => {
    const tenant = newTenantId();
    const bytes = fixture('stereo-44k.mp3');
    const id = (await upload(tenant, fileParts(bytes))).json().id;
    const url = `/v1/recordings/${id}/audio`;
    const first = await get(tenant, url, { range: 'bytes=0-99' });
    expect(first.statusCode).toBe(206);
    expect(first.headers['content-range']).toBe(`bytes 0-99/${bytes.length}`);
    expect(Buffer.compare(first.rawPayload, bytes.subarray(0, 100))).toBe(0);
    const middle = await get(tenant, url, { range: 'bytes=1000-' });
    expect(Buffer.compare(middle.rawPayload, bytes.subarray(1000))).toBe(0);
    const suffix = await get(tenant, url, { range: 'bytes=-10' });
    expect([suffix.statusCode, suffix.headers['content-range']]).toEqual([206, `bytes ${bytes.length - 10}-${bytes.length - 1}/${bytes.length}`]);
    expect(Buffer.compare(suffix.rawPayload, bytes.subarray(-10))).toBe(0);
    const beyond = await get(tenant, url, { range: `bytes=${bytes.length}-` });
    expect(beyond.statusCode).toBe(416);
    expect(beyond.headers['content-range']).toBe(`bytes */${bytes.length}`);
    expect(beyond.json().code).toBe('RANGE_NOT_SATISFIABLE');
    expect((await get(tenant, url, { range: 'pages=1-2' })).statusCode).toBe(200);
  });

  it('when renamed, then the name changes; a bad name or an extra field is 400', async () => {
    const tenant = newTenantId();
    const id = (await upload(tenant, fileParts(fixture('mono-8k.mp3')))).json().id;
    const patch = (payload: unknown) => svc.app.inject({ method: 'PATCH', url: `/v1/recordings/${id}`, headers: asTenant(tenant), payload: payload as object });
    const res = await patch({ name: 'Renamed' });
    expect([res.statusCode, res.json().name]).toEqual([200, 'Renamed']);
    expect(res.json().updatedAt >= res.json().createdAt).toBe(true);
    for (const bad of [{ name: 'x'.repeat(101) }, { name: '' }, { name: 'ok', fileName: 'x' }, {}]) {
      expect([bad, (await patch(bad)).statusCode]).toEqual([bad, 400]);
    }
  });
});

describe('events, RPCs and the in-use rule', () => {
  it('when created and deleted, then recording.created and recording.deleted are published', async () => {
    const tenant = newTenantId();
    const created = (await upload(tenant, fileParts(fixture('mono-8k.mp3')))).json();
    await eventually(() => events.find((e) => e.name === 'recording.created' && e.payload.recordingId === created.id));
    expect(events.find((e) => e.payload.recordingId === created.id)?.payload).toEqual({ tenantId: tenant, recordingId: created.id, durationMs: created.durationMs });
    expect((await svc.app.inject({ method: 'DELETE', url: `/v1/recordings/${created.id}`, headers: asTenant(tenant) })).statusCode).toBe(204);
    await eventually(() => events.find((e) => e.name === 'recording.deleted' && e.payload.recordingId === created.id));
    expect((await get(tenant, `/v1/recordings/${created.id}`)).statusCode).toBe(404);
    expect(await sql(`SELECT 1 FROM recording.recording_files WHERE recording_id = $1`, [created.id])).toEqual([]);
  });

  it('when a task reserved the recording, then delete is 409 RECORDING_IN_USE until released', async () => {
    const tenant = newTenantId();
    const rec = (await upload(tenant, fileParts(fixture('mono-8k.mp3')))).json();
    const bus = svc.deps.bus;
    const taskId = newTenantId();
    expect(await bus.request(RecordingGet, { tenantId: tenant, recordingId: rec.id })).toEqual({ found: true, status: 'ready', durationMs: rec.durationMs, name: rec.name });
    expect(await bus.request(RecordingGet, { tenantId: newTenantId(), recordingId: rec.id })).toEqual({ found: false });
    await expect(bus.request(RecordingReserve, { tenantId: newTenantId(), recordingId: rec.id, taskId })).rejects.toMatchObject({ code: 'RECORDING_NOT_FOUND' });
    expect(await bus.request(RecordingReserve, { tenantId: tenant, recordingId: rec.id, taskId })).toEqual({ ok: true });
    expect(await bus.request(RecordingReserve, { tenantId: tenant, recordingId: rec.id, taskId })).toEqual({ ok: true }); // idempotent
    const del = () => svc.app.inject({ method: 'DELETE', url: `/v1/recordings/${rec.id}`, headers: asTenant(tenant) });
    const refused = await del();
    expect([refused.statusCode, refused.json().code]).toEqual([409, 'RECORDING_IN_USE']);
    expect((await get(tenant, `/v1/recordings/${rec.id}`)).statusCode).toBe(200);
    await bus.request(RecordingRelease, { tenantId: tenant, taskId });
    expect((await del()).statusCode).toBe(204);
  });

  it('when a request lacks the internal token, then 401, the rendition endpoint included', async () => {
    const res = await svc.app.inject({ method: 'GET', url: `/internal/recordings/${newTenantId()}/rendition`, headers: { 'x-autocall-tenant-id': newTenantId() } });
    expect(res.statusCode).toBe(401);
  });
});
