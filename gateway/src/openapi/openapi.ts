import type { RouteDef } from '@autocall/contracts';
import { titleFor } from '@autocall/http';

type Json = Record<string, unknown>;

/**
 * Turns TypeBox schemas into OpenAPI 3.1 schemas (JSON Schema 2020-12): a schema with an `$id`
 * becomes a component and is referenced; TypeBox's symbol keys vanish in the JSON copy.
 */
class SchemaRegistry {
  readonly components: Record<string, Json> = {};

  convert(schema: unknown): Json {
    return this.walk(JSON.parse(JSON.stringify(schema ?? {})) as unknown) as Json;
  }

  private walk(node: unknown): unknown {
    if (Array.isArray(node)) return node.map((n) => this.walk(n));
    if (node === null || typeof node !== 'object') return node;
    const { $id, ...rest } = anyKeyAsAdditional(node as Json);
    const out: Json = {};
    for (const [k, v] of Object.entries(rest)) out[k] = this.walk(v);
    if (typeof $id !== 'string') return out;
    const name = $id.replace(/[^A-Za-z0-9._-]/g, '_');
    const existing = this.components[name];
    if (existing && JSON.stringify(existing) !== JSON.stringify(out)) return out; // two different schemas share an $id: inline
    this.components[name] = out;
    return { $ref: `#/components/schemas/${name}` };
  }
}

/**
 * TypeBox's `Record(String, T)` says "any key" as `patternProperties: {"^(.*)$": T}`, which client
 * generators ignore (openapi-typescript makes `Record<string, never>` of it); `additionalProperties: T`
 * says the same in words every tool reads.
 */
function anyKeyAsAdditional(node: Json): Json {
  const patterns = node.patternProperties as Json | undefined;
  if (!patterns || node.additionalProperties !== undefined) return node;
  const keys = Object.keys(patterns);
  if (keys.length !== 1 || keys[0] !== '^(.*)$') return node;
  const { patternProperties: _, ...rest } = node;
  return { ...rest, additionalProperties: patterns[keys[0]] };
}

const toOpenApiPath = (url: string) => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

/**
 * Each route's `operationId` is declared in libs/contracts so that client SDKs keep their method
 * names; two routes under one id, or one group under two spellings (`tasks`, `Tasks`), would make a
 * client generator drop or split operations, so the document refuses to build.
 */
function assertDistinct(routes: RouteDef[]): void {
  const ids = new Map<string, string>();
  const tags = new Map<string, string>();
  for (const r of routes) {
    const where = `${r.method} ${r.url}`;
    const seen = ids.get(r.operationId);
    if (seen) throw new Error(`operationId ${r.operationId} is used by both ${seen} and ${where}`);
    ids.set(r.operationId, where);
    for (const t of r.tags) {
      const spelled = tags.get(t.toLowerCase());
      if (spelled !== undefined && spelled !== t) throw new Error(`tag ${t} (${where}) is also spelled ${spelled}`);
      tags.set(t.toLowerCase(), t);
    }
  }
}

function parameters(reg: SchemaRegistry, schema: unknown, where: 'path' | 'query'): Json[] {
  const s = reg.convert(schema);
  const props = (s.properties ?? {}) as Record<string, Json>;
  const required = new Set((s.required ?? []) as string[]);
  return Object.entries(props).map(([name, p]) => {
    const { description, ...rest } = p;
    return { name, in: where, required: where === 'path' || required.has(name), schema: rest, ...(description ? { description } : {}) };
  });
}

function multipartBody(r: RouteDef): Json {
  const properties: Json = {};
  const required: string[] = [];
  for (const [name, f] of Object.entries(r.multipart ?? {})) {
    properties[name] = { type: 'string', ...(f.type === 'file' ? { format: 'binary', contentMediaType: 'application/octet-stream' } : {}), ...(f.description ? { description: f.description } : {}) };
    if (f.required) required.push(name);
  }
  return { required: true, content: { 'multipart/form-data': { schema: { type: 'object', properties, ...(required.length ? { required } : {}) } } } };
}

function responses(reg: SchemaRegistry, r: RouteDef): Json {
  const out: Json = {};
  const defined = r.schema.response ?? {};
  for (const [code, schema] of Object.entries(defined)) {
    const status = Number(code);
    const converted = reg.convert(schema);
    const empty = converted.type === 'null';
    const mime = status >= 400 ? 'application/problem+json' : 'application/json';
    const description = status >= 400 ? titleFor(status) : ({ 201: 'Created', 202: 'Accepted', 204: 'No Content' } as Record<number, string>)[status] ?? 'Success';
    out[code] = { description, ...(empty ? {} : { content: { [mime]: { schema: converted } } }) };
  }
  if (r.produces?.length) {
    // a route that answers a file, or (by `format` or Accept) either JSON or a file: JSON keeps its schema, a file is bytes
    const ok = Object.keys(defined).find((c) => Number(c) < 300) ?? '200';
    const json = (out[ok] as { content?: Record<string, Json> } | undefined)?.content?.['application/json'];
    const body = (m: string) => (m === 'application/json' && json ? json : { schema: { type: 'string', format: 'binary', contentMediaType: m } });
    out[ok] = { description: 'Success', content: Object.fromEntries(r.produces.map((m) => [m, body(m)])) };
  }
  if (!Object.keys(out).some((c) => Number(c) < 300)) out['200'] = { description: 'Success' };
  out['401'] ??= { $ref: '#/components/responses/Unauthorized' };
  out['429'] = { $ref: '#/components/responses/RateLimited' };
  out['503'] ??= { $ref: '#/components/responses/Unavailable' };
  return out;
}

/** One OpenAPI 3.1 document for every public route of the platform (libs/contracts `publicRoutes`). */
export function buildOpenApi(routes: RouteDef[], info: { version: string }): Json {
  assertDistinct(routes);
  const reg = new SchemaRegistry();
  const paths: Record<string, Record<string, Json>> = {};
  const tags = new Set<string>();
  for (const r of routes) {
    const admin = r.url.startsWith('/v1/admin');
    r.tags.forEach((t) => tags.add(t));
    const params = [
      ...(r.schema.params ? parameters(reg, r.schema.params, 'path') : []),
      ...(r.schema.querystring ? parameters(reg, r.schema.querystring, 'query') : []),
      ...(r.method === 'POST' ? [{ $ref: '#/components/parameters/IdempotencyKey' }] : []),
      { $ref: '#/components/parameters/RequestId' },
    ];
    const op: Json = {
      operationId: r.operationId,
      summary: r.summary,
      tags: r.tags,
      security: admin ? [{ adminToken: [] }] : [{ bearerApiKey: [] }, { headerApiKey: [] }],
      parameters: params,
      responses: responses(reg, r),
    };
    if (r.multipart) op.requestBody = multipartBody(r);
    else if (r.schema.body) op.requestBody = { required: true, content: { 'application/json': { schema: reg.convert(r.schema.body) } } };
    (paths[toOpenApiPath(r.url)] ??= {})[r.method.toLowerCase()] = op;
  }
  const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } });
  reg.components.Problem ??= { type: 'object', properties: { type: { type: 'string' }, title: { type: 'string' }, status: { type: 'integer' }, detail: { type: 'string' }, code: { type: 'string' } }, required: ['type', 'title', 'status', 'code'] };
  return {
    openapi: '3.1.0',
    info: {
      title: 'autocall API',
      version: info.version,
      description:
        'Outbound call platform: recordings, rosters, scheduled call tasks and follow-up SMS. Errors are RFC 9457 problem+json with a stable `code`.',
    },
    servers: [{ url: '/' }],
    tags: [...tags].sort().map((name) => ({ name })),
    paths: Object.fromEntries(Object.entries(paths).sort(([a], [b]) => a.localeCompare(b))),
    components: {
      schemas: reg.components,
      securitySchemes: {
        bearerApiKey: { type: 'http', scheme: 'bearer', description: 'A tenant API key: `Authorization: Bearer ak_…`' },
        headerApiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'The same API key in `X-API-Key`' },
        adminToken: { type: 'http', scheme: 'bearer', description: 'The platform admin token (`ADMIN_TOKEN`), for /v1/admin/* only' },
      },
      parameters: {
        IdempotencyKey: {
          name: 'Idempotency-Key',
          in: 'header',
          required: false,
          schema: { type: 'string', minLength: 1, maxLength: 255 },
          description:
            'Replays the first response of the same request within 24 h (`Idempotent-Replayed: true`); 422 `IDEMPOTENCY_KEY_REUSED` for a different request under the same key; 409 `IDEMPOTENCY_KEY_IN_PROGRESS` while the first is still running. Admin POSTs: 409 `IDEMPOTENCY_REPLAY_UNAVAILABLE` when the first response was stored under a previous ADMIN_TOKEN.',
        },
        RequestId: { name: 'X-Request-Id', in: 'header', required: false, schema: { type: 'string', maxLength: 128 }, description: 'Echoed on the response; generated when absent or invalid.' },
      },
      responses: {
        Unauthorized: problem('Missing, unknown or revoked credentials'),
        RateLimited: {
          ...problem('Rate limit exceeded'),
          headers: { 'Retry-After': { schema: { type: 'integer' }, description: 'Seconds to wait' } },
        },
        Unavailable: problem('A service did not answer'),
      },
    },
  };
}
