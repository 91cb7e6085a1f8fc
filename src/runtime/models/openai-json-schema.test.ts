import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { UserError } from '../errors.js';
import { transformOpenAIJsonSchema } from './openai-json-schema.js';

describe('transformOpenAIJsonSchema', () => {
  it('strict: moves incompatible keywords into the description and requires every property', () => {
    const r = transformOpenAIJsonSchema(
      { type: 'object', title: 'X', properties: { name: { type: 'string', minLength: 2, description: 'Name' }, n: { type: 'integer', default: 1 } }, required: ['name'] },
      true,
    );
    expect(r.schema).toEqual({
      type: 'object',
      properties: { name: { type: 'string', description: 'Name (minLength=2)' }, n: { type: 'integer' } },
      required: ['name', 'n'],
      additionalProperties: false,
    });
  });

  it('unset strict: reports compatibility', () => {
    expect(transformOpenAIJsonSchema({ type: 'object', properties: { a: { type: 'string' } }, required: ['a'] }, undefined).isStrictCompatible).toBe(true);
    expect(transformOpenAIJsonSchema({ type: 'object', properties: { a: { type: 'string' } } }, undefined).isStrictCompatible).toBe(false);
    expect(transformOpenAIJsonSchema({ type: 'object', properties: { a: { type: 'string', format: 'uri' } }, required: ['a'] }, undefined).isStrictCompatible).toBe(false);
    expect(transformOpenAIJsonSchema({ type: 'object', properties: { a: { type: 'array', items: {} } }, required: ['a'] }, undefined).isStrictCompatible).toBe(false);
  });

  it('strict with an untyped array is a UserError', () => {
    expect(() => transformOpenAIJsonSchema({ type: 'object', properties: { a: { type: 'array' } }, required: ['a'] }, true)).toThrow(UserError);
  });

  it('is idempotent once strict is decided, and never changes its input (property)', () => {
    const leaf = fc.constantFrom<z.ZodType>(z.string(), z.number().int(), z.boolean(), z.string().min(1), z.string().optional(), z.enum(['a', 'b']));
    const shape = fc.dictionary(fc.constantFrom('a', 'b', 'c', 'd'), leaf, { minKeys: 1 });
    fc.assert(
      fc.property(shape, (s) => {
        const schema = z.toJSONSchema(z.object(s)) as Record<string, unknown>;
        const before = JSON.stringify(schema);
        const first = transformOpenAIJsonSchema(schema, undefined);
        expect(JSON.stringify(schema)).toBe(before);
        const second = transformOpenAIJsonSchema(first.schema, first.isStrictCompatible);
        expect(second.schema).toEqual(first.schema);
        expect(first.schema['$schema']).toBeUndefined();
      }),
    );
  });
});
