import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { UserError } from '../runtime/index.js';
import { generateJsonSchemaData as gen, JsonSchemaTestData } from './json-schema-data.js';

const js = (s: z.ZodType) => z.toJSONSchema(s) as Record<string, unknown>;

describe("pydantic-ai's rules, in order", () => {
  it('const wins over everything', () => {
    expect(gen({ const: null, enum: [1], type: 'string' })).toBe(null);
    expect(gen(js(z.literal('x')))).toBe('x');
  });

  it('enum[seed % n], then examples[seed % n]', () => {
    expect(gen({ enum: ['a', 'b', 'c'] }, 0)).toBe('a');
    expect(gen({ enum: ['a', 'b', 'c'] }, 4)).toBe('b');
    expect(gen({ examples: [10, 20], type: 'integer' }, 1)).toBe(20);
    // an empty enum is skipped, as Python's falsy list
    expect(gen({ enum: [], type: 'boolean' }, 1)).toBe(true);
  });

  it('$ref into $defs (and # for the root)', () => {
    expect(gen({ type: 'object', properties: { a: { $ref: '#/$defs/Foo' } }, required: ['a'], $defs: { Foo: { type: 'integer', minimum: 3 } } })).toEqual({ a: 3 });
    expect(() => gen({ $ref: '#/$defs/Nope' })).toThrow(UserError);
  });

  it('anyOf[seed % n]', () => {
    const s = js(z.union([z.string(), z.boolean()]));
    expect(gen(s, 0)).toBe('a');
    expect(gen(s, 1)).toBe(true);
    expect(gen(js(z.object({ x: z.object({ a: z.string() }).nullable() })), 0)).toEqual({ x: { a: 'a' } });
    expect(gen(js(z.object({ x: z.object({ a: z.string() }).nullable() })), 1)).toEqual({ x: null });
  });

  it('no type: a character', () => {
    expect(gen({})).toBe('a');
    expect(gen({}, 27)).toBe('B');
  });

  it('objects fill required properties only', () => {
    expect(gen(js(z.object({ a: z.string(), b: z.string().optional(), c: z.boolean() })))).toEqual({ a: 'a', c: false });
  });

  it('additionalProperties adds "additionalProperty" (an empty schema counts as none, as in Python)', () => {
    expect(gen(js(z.record(z.string(), z.number())))).toEqual({ additionalProperty: 0 });
    expect(gen({ type: 'object', properties: { additionalProperty: { const: 1 } }, required: ['additionalProperty'], additionalProperties: true })).toEqual({
      additionalProperty: 1,
      additionalProperty_: 'a',
    });
    expect(gen(js(z.looseObject({ a: z.string() })))).toEqual({ a: 'a' });
  });

  it('strings: minLength repeats the character, maxLength 0 is empty, date is 2024-01-01 plus seed days', () => {
    expect(gen({ type: 'string', minLength: 3 }, 1)).toBe('bbb');
    expect(gen({ type: 'string', minLength: 0 })).toBe('');
    expect(gen({ type: 'string', maxLength: 0 })).toBe('');
    expect(gen({ type: 'string', format: 'date' }, 0)).toBe('2024-01-01');
    expect(gen({ type: 'string', format: 'date' }, 31)).toBe('2024-02-01');
    expect(gen(js(z.iso.date()), 366)).toBe('2025-01-01');
  });

  it('integers: min/max, exclusive bounds, seed offsets', () => {
    expect(gen({ type: 'integer' }, 7)).toBe(7);
    expect(gen({ type: 'integer', minimum: 5, maximum: 5 }, 3)).toBe(5);
    expect(gen({ type: 'integer', minimum: 3, maximum: 7 }, 5)).toBe(4); // 3 + 5 % 4
    expect(gen({ type: 'integer', minimum: 10 }, 2)).toBe(12);
    expect(gen({ type: 'integer', maximum: 10 }, 2)).toBe(8);
    expect(gen({ type: 'integer', exclusiveMinimum: 0 }, 0)).toBe(1);
    expect(gen({ type: 'integer', exclusiveMaximum: 0 }, 0)).toBe(-1);
    // zod's ±MAX_SAFE_INTEGER bounds on z.int() mean "unbounded", as pydantic's int schema
    expect(gen(js(z.int()), 0)).toBe(0);
    expect(gen(js(z.int().positive()), 2)).toBe(3);
    expect(gen(js(z.int().lt(10)), 0)).toBe(9);
  });

  it('numbers follow the integer rule', () => {
    expect(gen({ type: 'number' }, 3)).toBe(3);
    expect(gen({ type: 'number', minimum: 1.5 }, 1)).toBe(2.5);
  });

  it('booleans are seed % 2, null is null', () => {
    expect(gen({ type: 'boolean' }, 0)).toBe(false);
    expect(gen({ type: 'boolean' }, 3)).toBe(true);
    expect(gen({ type: 'null' })).toBe(null);
  });

  it('arrays: prefixItems, minItems, one item unless maxItems forbids, items false adds none', () => {
    expect(gen({ type: 'array', items: { type: 'integer' } })).toEqual([0]);
    expect(gen({ type: 'array', items: { type: 'integer' }, maxItems: 0 })).toEqual([]);
    expect(gen({ type: 'array', items: { type: 'integer' }, minItems: 3 }, 1)).toEqual([1, 1, 1]);
    expect(gen({ type: 'array', items: {} })).toEqual([]); // empty items schema is falsy in Python
    expect(gen(js(z.tuple([z.string(), z.number()])))).toEqual(['a', 0]);
    expect(gen(js(z.tuple([z.string()], z.number())))).toEqual(['a', 0]);
  });

  it('uniqueItems bumps the seed for each item, and for the rest of the generation', () => {
    expect(gen({ type: 'array', items: { type: 'integer' }, minItems: 3, uniqueItems: true })).toEqual([0, 1, 2]);
    const g = new JsonSchemaTestData({
      type: 'object',
      properties: { xs: { type: 'array', items: { type: 'string' }, minItems: 2, uniqueItems: true }, after: { type: 'string' } },
      required: ['xs', 'after'],
    });
    expect(g.generate()).toEqual({ xs: ['a', 'b'], after: 'c' });
    expect(g.seed).toBe(2);
  });

  it('characters count like spreadsheet columns over letters, digits and punctuation', () => {
    const ch = (seed: number) => gen({ type: 'string' }, seed);
    expect(ch(0)).toBe('a');
    expect(ch(25)).toBe('z');
    expect(ch(26)).toBe('A');
    expect(ch(52)).toBe('0');
    expect(ch(62)).toBe('!');
    expect(ch(93)).toBe('~');
    expect(ch(94)).toBe('aa');
    expect(ch(95)).toBe('ab');
    expect(ch(94 * 2)).toBe('ba');
  });

  it('unknown types throw UserError', () => {
    expect(() => gen({ type: 'frobnicate' })).toThrow(UserError);
  });
});

describe('beyond pydantic-ai', () => {
  it('oneOf[seed % n] (zod discriminated unions, xor)', () => {
    const s = z.discriminatedUnion('k', [z.object({ k: z.literal('a'), x: z.string() }), z.object({ k: z.literal('b'), y: z.number() })]);
    expect(gen(js(s), 0)).toEqual({ k: 'a', x: 'a' });
    expect(gen(js(s), 1)).toEqual({ k: 'b', y: 1 });
  });

  it('allOf merges its schemas', () => {
    expect(gen(js(z.intersection(z.string().min(2), z.string().max(3))), 0)).toBe('aa');
    expect(gen({ allOf: [{ type: 'object', properties: { a: { type: 'string' } }, required: ['a'] }, { properties: { b: { type: 'integer', minimum: 4 } }, required: ['b'] }] })).toEqual({
      a: 'a',
      b: 4,
    });
    expect(gen({ allOf: [{ type: 'integer', minimum: 2 }, { minimum: 5, maximum: 9 }] })).toBe(5);
  });

  it('type arrays pick type[seed % n]', () => {
    expect(gen({ type: ['string', 'null'] }, 0)).toBe('a');
    expect(gen({ type: ['string', 'null'] }, 1)).toBe(null);
  });

  it('patterns: a matching string, the same for the same seed', () => {
    const s = { type: 'string', pattern: '^[A-Z]{3}-\\d{2,4}$' };
    const a = gen(s, 3) as string;
    expect(a).toMatch(/^[A-Z]{3}-\d{2,4}$/);
    expect(gen(s, 3)).toBe(a);
    // pydantic-ai's value is kept when it matches
    expect(gen({ type: 'string', pattern: '^[a-z]+$' }, 0)).toBe('a');
    // several patterns (zod startsWith + endsWith)
    expect(gen(js(z.string().startsWith('ab').endsWith('yz')))).toBe('abyz');
    // pattern plus minLength
    expect((gen({ type: 'string', pattern: '^x\\d+$', minLength: 5 }) as string).length).toBeGreaterThanOrEqual(5);
  });

  it('formats: date-time, email, uuid, uri, time, ipv4', () => {
    expect(gen(js(z.iso.datetime()), 1)).toBe('2024-01-02T00:00:00Z');
    expect(gen(js(z.email()))).toBe('a@example.com');
    expect(gen(js(z.uuid()), 255)).toBe('00000000-0000-4000-8000-0000000000ff');
    expect(gen(js(z.url()))).toBe('https://example.com/a');
    expect(z.iso.time().safeParse(gen(js(z.iso.time()))).success).toBe(true);
    expect(gen(js(z.ipv4()), 7)).toBe('192.0.2.7');
  });

  it('maxLength cuts long characters; minLength with a format keeps the format', () => {
    expect(gen({ type: 'string', maxLength: 1 }, 94)).toBe('a');
    expect(gen(js(z.email().min(5)))).toBe('a@example.com');
  });

  it('numbers the integer rule cannot satisfy: exclusive ranges, multipleOf, fractional bounds', () => {
    expect(gen(js(z.number().gt(0).lt(1)), 0)).toBe(0.5);
    expect(gen(js(z.int().multipleOf(5).min(7)), 0)).toBe(10);
    expect(gen(js(z.int().multipleOf(5).min(7)), 2)).toBe(20);
    expect(gen({ type: 'integer', minimum: 2.5 }, 0)).toBe(3);
  });

  it('records with enum keys, partial records with enum keys', () => {
    expect(gen(js(z.record(z.enum(['a', 'b']), z.number())))).toEqual({ a: 0, b: 0 });
    expect(gen(js(z.partialRecord(z.enum(['x', 'y']), z.boolean())), 1)).toEqual({ y: true });
  });

  it('recursive schemas end', () => {
    const Node: z.ZodType = z.object({
      name: z.string(),
      get children() {
        return z.array(Node);
      },
    });
    const data = gen(js(Node));
    expect(Node.safeParse(data).success).toBe(true);
    const Tree = z.object({ root: Node }).meta({ id: 'Tree' });
    expect(Tree.safeParse(gen(js(Tree))).success).toBe(true);
  });
});

// ---------------------------------------------------------------- property tests

/** Random zod schemas: nested objects, arrays, enums, optional fields, bounds, unions. */
const leaf: fc.Arbitrary<z.ZodType> = fc.oneof(
  fc.constant(z.string()),
  fc.tuple(fc.nat(5), fc.nat(5)).map(([a, b]) => z.string().min(a).max(a + b)),
  fc.constant(z.boolean()),
  fc.constant(z.number()),
  fc.constant(z.int()),
  fc.tuple(fc.integer({ min: -50, max: 50 }), fc.nat(20)).map(([lo, w]) => z.int().min(lo).max(lo + w)),
  fc.tuple(fc.integer({ min: -50, max: 50 }), fc.integer({ min: 1, max: 20 })).map(([lo, w]) => z.number().gt(lo).lt(lo + w)),
  fc.uniqueArray(fc.stringMatching(/^[a-z]{1,6}$/), { minLength: 1, maxLength: 4 }).map((vs) => z.enum(vs as [string, ...string[]])),
  fc.tuple(fc.double({ min: -100, max: 100, noNaN: true }), fc.double({ min: 0.001, max: 50, noNaN: true })).map(([lo, w]) => z.number().gte(lo).lte(lo + w)),
  fc.tuple(fc.integer({ min: 1, max: 9 }), fc.integer({ min: -30, max: 30 })).map(([m, lo]) => z.int().multipleOf(m).gte(lo)),
  fc.constantFrom<z.ZodType>(
    z.iso.date(), z.iso.datetime(), z.iso.datetime({ offset: true }), z.iso.datetime({ local: true }), z.iso.time(), z.iso.duration(),
    z.email(), z.email().max(20), z.uuid(), z.uuid().min(3), z.url(), z.hostname(), z.ipv4(), z.ipv6(), z.cuid(), z.cuid2(), z.ulid(), z.nanoid(),
    z.emoji(), z.jwt(), z.base64(), z.e164(), z.hex(), z.string().uppercase(), z.string().startsWith('q').includes('w'),
    z.literal('lit'), z.literal([1, 2]), z.null(), z.string().regex(/^[a-f]{2}\d{1,3}$/), z.templateLiteral(['id-', z.int()]),
    z.record(z.string(), z.int()), z.record(z.enum(['k', 'l']), z.string()), z.tuple([z.int(), z.string()]),
  ),
);

const schemaArb: fc.Arbitrary<z.ZodType> = fc.letrec<{ node: z.ZodType }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.tuple(tie('node'), fc.nat(2), fc.option(fc.nat(2), { nil: undefined })).map(([s, min, extra]) => {
      const a = z.array(s).min(min);
      return extra === undefined ? a : a.max(min + extra);
    }),
    fc.dictionary(fc.stringMatching(/^[a-z]{1,5}$/), fc.tuple(tie('node'), fc.boolean()), { minKeys: 1, maxKeys: 4 }).map((entries) =>
      z.object(Object.fromEntries(Object.entries(entries).map(([k, [s, optional]]) => [k, optional ? s.optional() : s]))),
    ),
    fc.tuple(tie('node'), tie('node')).map(([a, b]) => z.union([a, b])),
    tie('node').map((s) => s.nullable()),
    tie('node').map((s) => s.nullish()),
  ),
})).node;

const objectSchemaArb = fc
  .dictionary(fc.stringMatching(/^[a-z]{1,5}$/), fc.tuple(schemaArb, fc.boolean()), { minKeys: 1, maxKeys: 5 })
  .map((entries) => z.object(Object.fromEntries(Object.entries(entries).map(([k, [s, optional]]) => [k, optional ? s.optional() : s]))));

describe('property: generated data parses with the zod schema it came from', () => {
  it('for random object schemas and seeds', () => {
    fc.assert(
      fc.property(objectSchemaArb, fc.nat(2000), (schema, seed) => {
        const data = gen(js(schema), seed);
        const r = schema.safeParse(data);
        if (!r.success) throw new Error(`${JSON.stringify(data)} failed: ${JSON.stringify(r.error.issues)} for ${JSON.stringify(js(schema))}`);
      }),
      { numRuns: 300 },
    );
  });

  it('the same seed gives the same data', () => {
    fc.assert(
      fc.property(objectSchemaArb, fc.nat(500), (schema, seed) => {
        const s = js(schema);
        expect(gen(s, seed)).toEqual(gen(s, seed));
      }),
      { numRuns: 100 },
    );
  });
});
