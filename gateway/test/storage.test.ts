import { randomUUID } from 'node:crypto';
import { AppError, RecordingDeleted, TenantStorageRelease, TenantStorageReserve } from '@autocall/contracts';
import type { Bus } from '@autocall/bus';
import { connectTestBus, eventually, sql } from '@autocall/testing';
import { admin, call, closeClient, createTenant, startGateway, type Gateway } from './helpers';

/**
 * The gateway's storage reservations (`tenant.storage.reserve`/`release`, as the recording and
 * roster services call them over the bus): checked and taken at once, idempotent by key, given back
 * on release or on the owner's `*.deleted` event.
 */
let gw: Gateway;
let bus: Bus;
beforeAll(async () => {
  gw = await startGateway({});
  bus = await connectTestBus('gateway-storage-test');
}, 30_000);
afterAll(async () => {
  await bus?.close();
  await gw?.close();
  await closeClient();
});

const used = async (tenantId: string) => Number((await sql<{ n: string }>(`SELECT storage_used AS n FROM gateway.tenants WHERE id = $1`, [tenantId]))[0].n);
const reserve = (tenantId: string, key: string, bytes: number) => bus.request(TenantStorageReserve, { tenantId, key, bytes }, { timeoutMs: 5000 });
async function tenantWithStorage(limit: number) {
  const t = await createTenant(gw.url);
  expect((await call(gw.url, 'PATCH', `/v1/admin/tenants/${t.id}`, { headers: admin, json: { limits: { storageBytes: limit } } })).status).toBe(200);
  return t.id;
}

describe('tenant.storage.reserve', () => {
  it('when the same key is reserved twice, then it counts once; released twice, it is given back once', async () => {
    const tenant = await tenantWithStorage(1000);
    expect(await reserve(tenant, 'recording:a', 300)).toEqual({ ok: true, usedBytes: 300, limitBytes: 1000 });
    expect(await reserve(tenant, 'recording:a', 300)).toEqual({ ok: true, usedBytes: 300, limitBytes: 1000 });
    await reserve(tenant, 'roster:b', 200);
    expect(await used(tenant)).toBe(500);
    for (let i = 0; i < 2; i++) expect(await bus.request(TenantStorageRelease, { tenantId: tenant, key: 'recording:a' })).toEqual({ ok: true });
    expect(await used(tenant)).toBe(200);
    expect(await bus.request(TenantStorageRelease, { tenantId: tenant, key: 'never-reserved' })).toEqual({ ok: true });
  });

  it('when a reservation would pass the limit, then TENANT_STORAGE_FULL (413) and nothing is held; the key stays free', async () => {
    const tenant = await tenantWithStorage(1000);
    await reserve(tenant, 'recording:a', 900);
    const refused = await reserve(tenant, 'recording:b', 200).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AppError);
    expect(refused).toMatchObject({ code: 'TENANT_STORAGE_FULL', status: 413 });
    expect(await used(tenant)).toBe(900);
    expect(await reserve(tenant, 'recording:b', 100)).toMatchObject({ ok: true, usedBytes: 1000 });
  });

  it('when twenty reservations race for room for five, then exactly five are taken', async () => {
    const tenant = await tenantWithStorage(500);
    const answers = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => reserve(tenant, `recording:${i}`, 100)));
    expect(answers.filter((a) => a.status === 'fulfilled')).toHaveLength(5);
    expect(answers.filter((a) => a.status === 'rejected').map((a) => (a as PromiseRejectedResult).reason.code)).toEqual(Array(15).fill('TENANT_STORAGE_FULL'));
    expect(await used(tenant)).toBe(500);
  });

  it('when a tenant has no storage limit, then reservations are counted and always pass', async () => {
    const tenant = (await createTenant(gw.url)).id;
    expect(await reserve(tenant, 'recording:x', 10 ** 12)).toEqual({ ok: true, usedBytes: 10 ** 12, limitBytes: null });
  });

  it('when the owner publishes recording.deleted, then its reservation is given back', async () => {
    const tenant = await tenantWithStorage(1000);
    const recordingId = randomUUID();
    await reserve(tenant, `recording:${recordingId}`, 400);
    await bus.publish(RecordingDeleted, { tenantId: tenant, recordingId });
    await eventually(async () => (await used(tenant)) === 0);
  });
});
