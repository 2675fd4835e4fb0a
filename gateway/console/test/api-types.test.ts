import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { call, closeClient, deadUrl, startGateway, type Gateway } from '../../test/helpers';

// The console's API client is typed from the document the gateway serves; a route or schema change
// that is not regenerated into src/api/schema.d.ts fails here.
let gw: Gateway;
beforeAll(async () => {
  const dead = await deadUrl();
  gw = await startGateway({ SMS_URL: dead, ROSTER_URL: dead, TASK_URL: dead, RECORDING_URL: dead, DIALER_URL: dead });
});
afterAll(async () => {
  await gw?.close();
  await closeClient();
});

it('when the gateway serves its OpenAPI document, then the committed console API types are what openapi-typescript makes of it', async () => {
  const doc = await call(gw.url, 'GET', '/docs/json');
  expect(doc.status).toBe(200);
  const update = process.env.UPDATE_API_TYPES === '1';
  const run = spawnSync(process.execPath, [join(__dirname, '..', 'scripts', 'api-types.mjs'), '--stdin', ...(update ? [] : ['--check'])], {
    input: doc.text,
    encoding: 'utf8',
  });
  expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
});
