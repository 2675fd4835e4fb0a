import { Type, type Static, type TSchema } from '@sinclair/typebox';

/** A versioned event published on the `autocall.events` topic exchange; the routing key is its name. */
export interface EventContract<N extends string = string, S extends TSchema = TSchema> {
  readonly kind: 'event';
  readonly name: N;
  readonly version: number;
  readonly payload: S;
}

/** A versioned request/reply call over RabbitMQ direct reply-to. */
export interface RpcContract<N extends string = string, Q extends TSchema = TSchema, R extends TSchema = TSchema> {
  readonly kind: 'rpc';
  readonly name: N;
  readonly version: number;
  readonly request: Q;
  readonly response: R;
}

export function defineEvent<N extends string, S extends TSchema>(name: N, version: number, payload: S): EventContract<N, S> {
  return { kind: 'event', name, version, payload };
}

export function defineRpc<N extends string, Q extends TSchema, R extends TSchema>(
  name: N,
  version: number,
  request: Q,
  response: R,
): RpcContract<N, Q, R> {
  return { kind: 'rpc', name, version, request, response };
}

export type EventPayload<C> = C extends EventContract<string, infer S> ? Static<S> : never;
export type RpcRequest<C> = C extends RpcContract<string, infer Q, TSchema> ? Static<Q> : never;
export type RpcResponse<C> = C extends RpcContract<string, TSchema, infer R> ? Static<R> : never;

/** What travels on the wire for every event. */
export interface Envelope<P = unknown> {
  id: string;
  name: string;
  version: number;
  occurredAt: string;
  payload: P;
}

// ---- shared schema pieces ----
export const Uuid = Type.String({ format: 'uuid', pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' });
export const DateTime = Type.String({ format: 'date-time' });
export const Nullable = <T extends TSchema>(s: T) => Type.Union([s, Type.Null()]);

export const IdParams = Type.Object({ id: Uuid }, { additionalProperties: false });

export const PageQuery = {
  page: Type.Integer({ minimum: 1, default: 1 }),
  pageSize: Type.Integer({ minimum: 1, maximum: 200, default: 20 }),
};
export const CursorQuery = {
  limit: Type.Integer({ minimum: 1, maximum: 200, default: 100 }),
  cursor: Type.Optional(Type.String({ maxLength: 512 })),
};

export const Page = <T extends TSchema>(item: T) =>
  Type.Object({ items: Type.Array(item), page: Type.Integer(), pageSize: Type.Integer(), total: Type.Integer() });
export const CursorPage = <T extends TSchema>(item: T) =>
  Type.Object({ items: Type.Array(item), nextCursor: Nullable(Type.String()) });

export const Problem = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.Optional(Type.String()),
    code: Type.String(),
    errors: Type.Optional(Type.Array(Type.Object({ field: Type.String(), message: Type.String() }))),
  },
  { $id: 'Problem' },
);

/** A public HTTP route, declared once: the owning service registers it, the gateway documents it. */
export interface RouteDef {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  /**
   * The OpenAPI operation id, what a generated client names the call: verb + resource, singular for
   * one, plural for a list (`getTask`, `listTasks`, `listTaskCalls`). Unique over the public routes;
   * gateway/test/openapi.test.ts pins them, so a rename is a deliberate, visible change.
   */
  operationId: string;
  summary: string;
  /** One Swagger UI group, capitalised like the others (`Tasks`, `SMS`, `Admin`). */
  tags: string[];
  /** multipart/form-data body documented by hand (fields), not validated by schema */
  multipart?: Record<string, { type: 'file' | 'string'; required?: boolean; description?: string }>;
  /** non-JSON success response (audio, xlsx, csv) */
  produces?: string[];
  schema: {
    params?: TSchema;
    querystring?: TSchema;
    body?: TSchema;
    response?: Record<number, TSchema>;
  };
}

export const defineRoutes = <T extends Record<string, RouteDef>>(routes: T): T => routes;
