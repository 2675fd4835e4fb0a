/**
 * Type-level test of route(): `pnpm typecheck` compiles this file (jest does not run it), so each
 * `@ts-expect-error` below must still be an error, and everything else must compile. Never called.
 */
import { Readable } from 'node:stream';
import { Type } from '@sinclair/typebox';
import { defineRoutes, IdParams, Problem } from '@autocall/contracts';
import { plainReply, route, sentBy, type App } from '../src';

const Thing = Type.Object({ id: Type.String(), size: Type.Integer() });
type Thing = { id: string; size: number };

const routes = defineRoutes({
  getThing: { method: 'GET', url: '/things/:id', operationId: 'getThing', summary: '', tags: ['Things'], schema: { params: IdParams, response: { 200: Thing, 404: Problem } } },
  createThing: { method: 'POST', url: '/things', operationId: 'createThing', summary: '', tags: ['Things'], schema: { body: Thing, response: { 201: Thing, 400: Problem } } },
  deleteThing: { method: 'DELETE', url: '/things/:id', operationId: 'deleteThing', summary: '', tags: ['Things'], schema: { params: IdParams, response: { 204: Type.Null(), 404: Problem } } },
  listThings: { method: 'GET', url: '/things', operationId: 'listThings', summary: '', tags: ['Things'], schema: { response: { 200: Type.Object({ items: Type.Array(Thing), next: Type.Union([Type.String(), Type.Null()]) }) } } },
  exportThings: { method: 'GET', url: '/things/export', operationId: 'exportThings', summary: '', tags: ['Things'], produces: ['text/csv'], schema: { response: { 400: Problem } } },
});

const thing = async (): Promise<Thing> => ({ id: 'a', size: 1 });
const row = { id: 'a', size: 1, tenantId: 't' };
const nested = { items: [row] };

export function declaredRoutes(app: App) {
  // the 200 body, returned or awaited
  route(app, routes.getThing, (req) => ({ id: req.params.id, size: 1 }));
  route(app, routes.getThing, () => thing());
  // @ts-expect-error a field of the wrong type
  route(app, routes.getThing, () => ({ id: 'a', size: '1' }));
  // @ts-expect-error a required field missing
  route(app, routes.getThing, async () => ({ id: 'a' }));
  // @ts-expect-error a field the schema does not declare (object literal)
  route(app, routes.getThing, () => ({ id: 'a', size: 1, secret: 'x' }));
  // @ts-expect-error a field the schema does not declare (a value built elsewhere)
  route(app, routes.getThing, async () => row);
  route(app, routes.listThings, async () => ({ items: [await thing()], next: null }));
  // @ts-expect-error a field the schema does not declare, inside a list item
  route(app, routes.listThings, () => ({ ...nested, next: null }));
  // @ts-expect-error nothing returned
  route(app, routes.getThing, async () => {});

  // a status set with code(): send() takes that status's body
  route(app, routes.createThing, (req, reply) => reply.code(201).header('location', '/things/a').send(req.body));
  // @ts-expect-error the 201 body is wrong
  route(app, routes.createThing, (_req, reply) => reply.code(201).send({ id: 'a' }));
  // @ts-expect-error a field the 201 schema does not declare
  route(app, routes.createThing, (_req, reply) => reply.code(201).send(row));
  // @ts-expect-error 201 only is declared: a plain return would be a 200 without a schema
  route(app, routes.createThing, (req) => req.body);
  // @ts-expect-error the reply itself is not an answer: return what send() returns
  route(app, routes.createThing, (_req, reply) => reply.code(201));

  // 204 (null schema): send() without a body
  route(app, routes.deleteThing, (_req, reply) => reply.code(204).send());
  // @ts-expect-error a 204 has no body
  route(app, routes.deleteThing, (_req, reply) => reply.code(204).send({ id: 'a', size: 1 }));

  // raw answers (exports, audio): bytes or a stream, for a status without a JSON schema
  route(app, routes.exportThings, (_req, reply) => reply.type('text/csv').send(Readable.from(['a,b\n'])));
  route(app, routes.exportThings, (_req, reply) => reply.code(206).send(Buffer.from('a')));
  // @ts-expect-error no 200 schema, so no JSON body to send for it
  route(app, routes.exportThings, (_req, reply) => reply.send({ id: 'a', size: 1 }));
  // @ts-expect-error no 200 schema, so nothing to return
  route(app, routes.exportThings, () => ({ id: 'a', size: 1 }));

  // a reply a helper wrote on fastify's plain reply (pre-serialized bytes)
  route(app, routes.createThing, (_req, reply) => sentBy(plainReply(reply).code(201).type('application/json').send('{"id":"a","size":1}')));
}
