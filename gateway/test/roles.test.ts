import { publicRoutes } from '@autocall/contracts';
import { atLeast, routeAccess, RouteTable, UNLISTED } from '../src/domain/roles';
import { proxyTable } from '../src/proxy/upstreams';
import { startTestService, type TestService } from '@autocall/testing';
import { buildApp, GATEWAY_SCHEMA, gatewayMigrations } from '../src/app';
import { gatewayConfigSchema, type GatewayConfig } from '../src/config';

/** The role table lists every route the gateway serves or proxies: a new route without a row fails here. */
describe('the role table', () => {
  const rows = Object.keys(routeAccess).sort();

  it('when read against the public routes (the OpenAPI document), then every route has exactly one row and every row is a route', () => {
    const routes = publicRoutes.map((r) => `${r.method} ${r.url}`).sort();
    expect(rows).toEqual(routes);
  });

  describe('against what fastify serves', () => {
    let svc: TestService<GatewayConfig>;
    beforeAll(async () => {
      svc = await startTestService({ name: 'gateway', schema: GATEWAY_SCHEMA, migrations: gatewayMigrations, configSchema: gatewayConfigSchema, buildApp });
      await svc.app.ready();
    });
    afterAll(() => svc?.close());

    it('when each public route is looked up in fastify, then the gateway serves it itself or proxies it, and the table has its row', () => {
      const table = new RouteTable();
      for (const r of publicRoutes) {
        expect([r.method, r.url, svc.app.hasRoute({ method: r.method, url: r.url }) || proxyTable.some(([u]) => u === r.url || (u.endsWith('/*') && r.url.startsWith(u.slice(0, -1))))]).toEqual([r.method, r.url, true]);
        expect(table.row(r.method, r.url)).toBeDefined();
      }
    });
  });

  it('when a concrete path is matched, then a literal segment wins over a parameter, HEAD reads as GET, and an unlisted path is for owners only', () => {
    const t = new RouteTable();
    expect(t.match('GET', '/v1/rosters/template')?.pattern).toBe('/v1/rosters/template');
    expect(t.match('GET', '/v1/rosters/0190a1b2-0000-7000-8000-000000000000')).toMatchObject({ pattern: '/v1/rosters/:id', params: { id: '0190a1b2-0000-7000-8000-000000000000' } });
    expect(t.match('HEAD', '/v1/tasks/x/report')?.pattern).toBe('/v1/tasks/:id/report');
    expect(t.match('POST', '/v1/tasks/x/pause')?.access).toEqual({ least: 'operator', action: 'task.pause' });
    expect(t.match('POST', '/v1/tasks/x/explode')).toBeUndefined();
    expect(UNLISTED.least).toBe('owner');
  });

  it('when roles are compared, then viewer < operator < admin < owner', () => {
    expect([atLeast('owner', 'admin'), atLeast('admin', 'admin'), atLeast('operator', 'admin'), atLeast('viewer', 'operator')]).toEqual([true, true, false, false]);
  });
});
