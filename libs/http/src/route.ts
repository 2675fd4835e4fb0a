import type { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Static, TSchema } from '@sinclair/typebox';
import type { RouteDef } from '@autocall/contracts';
import type { App } from './server';

type StaticOf<T> = T extends TSchema ? Static<T> : unknown;

/** The request a contract route's handler receives, typed from the route's schemas. */
export type RouteRequest<R extends RouteDef> = FastifyRequest<{
  Body: StaticOf<R['schema']['body']>;
  Querystring: StaticOf<R['schema']['querystring']>;
  Params: StaticOf<R['schema']['params']>;
}>;

/** The route's response schemas by status code (none declared: an empty record, so no code is declared). */
export type Responses<R extends RouteDef> = R['schema'] extends { response: infer X extends Record<number, TSchema> } ? X : Record<never, TSchema>;

/**
 * Bytes and streams go out as they are, never through the response schema: the audio of a
 * recording, the xlsx/CSV exports. Sending one is how a route says its answer is not the JSON its
 * schema describes (fastify serializes only objects against the schema, as here).
 */
export type RawBody = Buffer | Uint8Array | Readable;

/**
 * The body a status carries: the Static type of its schema when the route declares that status,
 * otherwise raw bytes or a stream only (or nothing), since no schema says what the JSON would be.
 */
export type ResponseBody<R extends RouteDef, C extends number> = C extends keyof Responses<R> ? StaticOf<Responses<R>[C]> : RawBody | undefined;

declare const SENT: unique symbol;
/** What `reply.send()` answers: the handler returns it to say the reply is already on its way. */
export interface Sent {
  readonly [SENT]: true;
}

/**
 * `send()`'s arguments: none for a null schema (204); else the body (optional when it may be
 * undefined), and an error in place of a second argument when the body has fields the schema lacks.
 */
type SendArgs<B, P> = [B] extends [null]
  ? [payload?: null]
  : [UndeclaredFields<P, B>] extends [never]
    ? undefined extends B ? [payload?: P] : [payload: P]
    : [payload: P, error: { error: 'the body has fields its schema does not declare'; fields: UndeclaredFields<P, B> }];

/**
 * The reply of a contract route: `code()` picks the status and with it the body `send()` accepts
 * (the Static type of that status's schema, or a raw body); the status is 200 until `code()` says
 * otherwise. The methods that keep the status (`header`, `headers`, `type`) keep the body type.
 */
export interface RouteReply<R extends RouteDef, B = ResponseBody<R, 200>> extends Omit<FastifyReply, 'code' | 'status' | 'send' | 'header' | 'headers' | 'type'> {
  code<C extends number>(statusCode: C): RouteReply<R, ResponseBody<R, C>>;
  status<C extends number>(statusCode: C): RouteReply<R, ResponseBody<R, C>>;
  header(key: string, value: unknown): RouteReply<R, B>;
  headers(values: Partial<Record<string, number | string | string[] | undefined>>): RouteReply<R, B>;
  type(contentType: string): RouteReply<R, B>;
  send<P extends B | RawBody = B>(...args: SendArgs<B, P>): Sent;
}

/**
 * What a handler returns: the 200 body itself (only when the route declares 200; fastify then
 * serializes it against that schema), or the `Sent` of a `reply.send()` for any other status,
 * a raw body, or an answer a helper wrote (`sentBy`).
 */
export type RouteResult<R extends RouteDef> = ResponseBody<R, 200> extends infer B ? ([B] extends [RawBody | undefined] ? Sent : B | Sent) : never;

export type RouteHandler<R extends RouteDef> = (req: RouteRequest<R>, reply: RouteReply<R>) => RouteResult<R> | Promise<RouteResult<R>>;

type Join<K, Sub> = Sub extends string ? `${K & (string | number)}.${Sub}` : never;
/**
 * The fields of T, at any depth, that S does not declare (as `a.b` paths): fastify's serializer
 * would drop them silently, so a value that has them is a handler and a schema that disagree.
 */
export type UndeclaredFields<T, S> = T extends Sent | RawBody | Date
  ? never
  : T extends readonly (infer E)[]
    ? UndeclaredFields<E, Extract<S, readonly unknown[]> extends readonly (infer SE)[] ? SE : never>
    : T extends object
      ? { [K in keyof T]-?: K extends keyof Extract<S, object> ? Join<K, UndeclaredFields<T[K], Extract<S, object>[K]>> : K & string }[keyof T]
      : never;

type FieldsCheck<H, R extends RouteDef> = H extends (...args: any[]) => infer Out
  ? [UndeclaredFields<Awaited<Out>, ResponseBody<R, 200>>] extends [never]
    ? [extra?: Record<string, unknown>]
    : [extra: { error: 'the handler returns fields its 200 schema does not declare'; fields: UndeclaredFields<Awaited<Out>, ResponseBody<R, 200>> }]
  : never;

/**
 * Registers a contract route (libs/contracts) with its schemas and a handler whose answer the
 * compiler checks against the route's response schemas: what it returns against the 200 schema
 * (and no field that schema does not declare), what it sends against the schema of the status it set.
 */
export function route<R extends RouteDef, H extends RouteHandler<R>>(app: App, def: R, handler: H, ...[extra]: FieldsCheck<H, R>) {
  app.route({ method: def.method, url: def.url, schema: def.schema as any, handler: handler as any, ...(extra ?? {}) });
}

/**
 * The escape for an answer a shared helper wrote on the plain fastify reply (pre-serialized bytes
 * kept for idempotent replays, a proxied stream): the helper's own types, not the route's, vouch for it.
 */
export const sentBy = (reply: FastifyReply): Sent => reply as unknown as Sent;

/** The plain fastify reply under a route's typed one, for helpers written against fastify's reply. */
export const plainReply = (reply: Pick<FastifyReply, 'raw' | 'request'>): FastifyReply => reply as unknown as FastifyReply;
