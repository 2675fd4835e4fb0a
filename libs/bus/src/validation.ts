import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { FormatRegistry, type TSchema } from '@sinclair/typebox';

// TypeBox checks formats only once they are registered; these are the ones the contracts use.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
if (!FormatRegistry.Has('uuid')) FormatRegistry.Set('uuid', (v) => UUID.test(v));
if (!FormatRegistry.Has('date-time')) FormatRegistry.Set('date-time', (v) => !Number.isNaN(Date.parse(v)) && /^\d{4}-\d{2}-\d{2}T/.test(v));
if (!FormatRegistry.Has('uri')) FormatRegistry.Set('uri', (v) => URL.canParse(v));

const cache = new WeakMap<TSchema, TypeCheck<TSchema>>();

/** Compiled TypeBox check, cached per schema: message validation sits on the hot path. */
export function checker(schema: TSchema): TypeCheck<TSchema> {
  let c = cache.get(schema);
  if (!c) {
    c = TypeCompiler.Compile(schema);
    cache.set(schema, c);
  }
  return c;
}

export function firstError(schema: TSchema, value: unknown): string | undefined {
  const c = checker(schema);
  if (c.Check(value)) return undefined;
  const e = c.Errors(value).First();
  return e ? `${e.path || '/'}: ${e.message}` : 'invalid';
}
