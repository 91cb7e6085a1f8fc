import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Agent, ModelMessageSchema, ModelMessagesSchema, UserError, loadModuleSync, tool } from './index.js';
import { zodToJsonSchema } from './zod-peer.js';

/** The shape zod 3 schemas have (what a zod 3 `z.object` carries): `_def` and `safeParse`, no `_zod`. */
function zod3LikeObject(): object {
  return { _def: { typeName: 'ZodObject', shape: () => ({}) }, safeParse: () => ({ success: true, data: {} }), parse: (x: unknown) => x };
}

describe('zod peer dependency', () => {
  it('a zod 3 tool schema gets the version error, not a shape error', () => {
    const call = () => tool({ name: 'city', parameters: zod3LikeObject() as never, execute: () => 'x' });
    expect(call).toThrow(UserError);
    expect(call).toThrow(/^rehearse needs zod 4, found 3\.x \(tool 'city' parameters is a zod 3 schema\)/);
    expect(call).toThrow(/npm install zod@\^4/);
  });

  it('a zod 3 outputType gets the version error', () => {
    expect(() => new Agent({ outputType: zod3LikeObject() as never })).toThrow(/^rehearse needs zod 4, found 3\.x \(outputType is a zod 3 schema\)/);
  });

  it('a zod 4 non-object still gets the shape error', () => {
    expect(() => tool({ name: 't', parameters: z.string() as never, execute: () => 'x' })).toThrow(/'parameters' must be a zod object schema/);
  });

  it('tool JSON schemas equal z.toJSONSchema for any object shape (property)', () => {
    const leaf = fc.constantFrom<() => z.ZodType>(() => z.string(), () => z.number().int(), () => z.boolean(), () => z.array(z.string()), () => z.string().optional(), () => z.enum(['a', 'b']));
    fc.assert(
      fc.property(fc.dictionary(fc.stringMatching(/^[a-z][a-z0-9_]{0,8}$/), leaf, { minKeys: 1, maxKeys: 5 }), (shape) => {
        const schema = z.object(Object.fromEntries(Object.entries(shape).map(([k, make]) => [k, make()])));
        const viaTool = tool({ name: 't', parameters: schema, execute: () => 'x' }).definition.parametersJsonSchema;
        const expected = z.toJSONSchema(schema, { unrepresentable: 'any' }) as Record<string, unknown>;
        delete expected['$schema'];
        expect(viaTool).toEqual(expected);
        expect(zodToJsonSchema(schema, { unrepresentable: 'any' })).toEqual(z.toJSONSchema(schema, { unrepresentable: 'any' }));
      }),
    );
  });

  it('the lazily built message schemas behave as zod schemas, embedded ones too', () => {
    const history = [{ kind: 'request', parts: [{ partKind: 'user-prompt', content: 'hi', timestamp: '2024-01-01T00:00:00.000Z' }] }];
    expect(ModelMessagesSchema.safeParse(history).success).toBe(true);
    expect(ModelMessageSchema.safeParse({ kind: 'nope' }).success).toBe(false);
    expect(ModelMessagesSchema instanceof z.ZodArray).toBe(true);
    const wrapper = z.object({ messages: ModelMessagesSchema });
    expect(wrapper.parse({ messages: history })).toEqual({ messages: history });
    expect(wrapper.safeParse({ messages: [{ kind: 'request', parts: 3 }] }).success).toBe(false);
  });
});

describe('loadModuleSync', () => {
  it('loads a dependency from rehearse’s own location', () => {
    const RandExp = loadModuleSync<new (p: string) => { gen(): string }>('randexp');
    expect(new RandExp('^ab[c]$').gen()).toBe('abc');
  });

  it('names the module it cannot find', () => {
    expect(() => loadModuleSync('rehearse-no-such-module')).toThrow(/rehearse-no-such-module/);
  });
});
