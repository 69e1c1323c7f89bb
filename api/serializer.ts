// Response serialization. Each route's zod response schema is turned into JSON Schema once, on the
// route's first answer (not at start: some hundred schemas compiled up front cost the start-up a few
// hundred ms), and compiled with fast-json-stringify (Fastify's own serializer): only declared properties
// are written, as zod's encode would strip them, at a third of the cost on a 50-item ledger page.
// A schema that JSON Schema cannot express falls back to zod's encode and JSON.stringify.
import fastJson from 'fast-json-stringify';
import type { FastifySerializerCompiler } from 'fastify/types/schema.js';
import { serializerCompiler as zodSerializerCompiler } from 'fastify-type-provider-zod';
import { z } from 'zod';

/** A response is a zod schema, or { description, properties: zodSchema } for the docs. */
type ResponseSchema = z.ZodType | { properties: z.ZodType };

// One compiled serializer per schema object: every route shares the problem+json schemas.
const compiled = new WeakMap<object, (data: unknown) => string>();

export const serializerCompiler: FastifySerializerCompiler<ResponseSchema> = (route) => {
  const key = route.schema;
  let serialize = compiled.get(key);
  if (!serialize) {
    let real: ((data: unknown) => string) | null = null;
    serialize = (data) => (real ??= compile(route))(data);
    compiled.set(key, serialize);
  }
  return serialize;
};

const compile: FastifySerializerCompiler<ResponseSchema> = (route) => {
  const given = route.schema;
  const schema: unknown = given instanceof z.ZodType ? given : given.properties;
  let jsonSchema: object;
  try {
    if (!(schema instanceof z.ZodType)) throw new Error('not a zod schema');
    jsonSchema = z.toJSONSchema(schema, { io: 'output', target: 'draft-7', unrepresentable: 'throw' });
  } catch {
    return zodSerializerCompiler(route) as (data: unknown) => string;
  }
  return fastJson(lenient(jsonSchema) as Parameters<typeof fastJson>[0]) as (data: unknown) => string;
};

/**
 * zod writes output objects as `additionalProperties: false`. fast-json-stringify writes declared
 * properties only either way, but matches `anyOf` branches (nullable objects) by validating, where an
 * extra property would fail the match; zod strips it instead. Drop the flag to behave as zod does.
 */
function lenient(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(lenient);
  if (!node || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([k, v]) => !(k === 'additionalProperties' && v === false))
      .map(([k, v]) => [k, lenient(v)]),
  );
}
