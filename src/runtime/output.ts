/**
 * Structured output: how the agent asks for it (output tools, native JSON schema, prompted
 * JSON) and how it validates what comes back. Follows pydantic-ai's `_output.py` and its
 * output modes `ToolOutput`, `NativeOutput`, `PromptedOutput`, `TextOutput`.
 */
import type { z } from 'zod';
import { loadModuleSync } from './load-module.js';
import { UserError } from './errors.js';
import { isZodSchema, preloadZod, rejectZod3Schema, zodModule, zodTypeName } from './zod-peer.js';
import type { ValidationErrorDetail } from './messages.js';
import type { JsonSchema, OutputMode, OutputObjectDefinition, ToolDefinition } from './model.js';
import type { RunContext } from './run-context.js';
import { toModelJsonSchema } from './tools.js';
import type { Tool } from './tools.js';
import { DeferredToolRequests } from './deferred.js';

/** pydantic-ai's output tool name. */
export const DEFAULT_OUTPUT_TOOL_NAME = 'final_result';
/** pydantic-ai's output tool description. */
export const DEFAULT_OUTPUT_TOOL_DESCRIPTION = 'The final response which ends this conversation';
/** pydantic-ai's default template for `PromptedOutput`; `{schema}` is replaced by the JSON schema. */
export const DEFAULT_PROMPTED_OUTPUT_TEMPLATE =
  "Always respond with a JSON object that's compatible with this schema:\n\n{schema}\n\nDon't include any text or Markdown fencing before or after.";

/**
 * JSON text as Python's `json.dumps` writes it by default (`', '` and `': '` separators,
 * non-ASCII escaped), so prompts carrying a schema match what pydantic-ai sends byte for byte.
 */
export function pythonJsonDumps(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    const s = JSON.stringify(value ?? null);
    return typeof value === 'string' ? s.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`) : s;
  }
  if (Array.isArray(value)) return `[${value.map(pythonJsonDumps).join(', ')}]`;
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  return `{${entries.map(([k, v]) => `${pythonJsonDumps(k)}: ${pythonJsonDumps(v)}`).join(', ')}}`;
}

/** Output through one or more output tools (the default for zod schemas). */
export interface ToolOutputSpec<O> {
  readonly outputKind: 'tool';
  readonly schema: z.ZodType;
  /**
   * Output function: called with the validated arguments; its result is the output (may throw
   * `ModelRetry`). `undefined`: the arguments are the output.
   */
  readonly fn?: ((args: any, ctx: RunContext<any>) => O | Promise<O>) | undefined;
  /** Phantom: the output type. */
  readonly __output?: O;
  readonly name: string | undefined;
  readonly description: string | undefined;
  readonly strict: boolean | undefined;
  readonly maxRetries: number | undefined;
}
/** Output through the provider's JSON-schema response format. */
export interface NativeOutputSpec<O> {
  readonly outputKind: 'native';
  readonly schemas: readonly z.ZodType<O>[];
  readonly name: string | undefined;
  readonly description: string | undefined;
  readonly strict: boolean | undefined;
}
/** Output as JSON text, with the schema given in the instructions. */
export interface PromptedOutputSpec<O> {
  readonly outputKind: 'prompted';
  readonly schemas: readonly z.ZodType<O>[];
  readonly name: string | undefined;
  readonly description: string | undefined;
  readonly template: string | undefined;
}
/** Plain text output passed through a function. */
export interface TextOutputSpec<O> {
  readonly outputKind: 'text';
  readonly fn: (text: string, ctx: RunContext<any>) => O | Promise<O>;
}

/**
 * Uses an output tool for `schema` (pydantic-ai `ToolOutput`). Given a tool made with `tool()`,
 * it is an output function: the model calls it with the tool's parameters and its result is the
 * output (name `final_result`, or `final_result_{tool name}` among several outputs).
 */
export function ToolOutput<O>(
  schema: z.ZodType<O> | Tool<any, O>,
  options: { name?: string; description?: string; strict?: boolean; maxRetries?: number } = {},
): ToolOutputSpec<O> {
  if (isToolObject(schema)) {
    const t = schema;
    return {
      outputKind: 'tool',
      schema: t.parameters.meta({ title: t.name }),
      fn: t.execute,
      name: options.name,
      description: options.description ?? t.description,
      strict: options.strict ?? t.strict,
      maxRetries: options.maxRetries ?? t.retries,
    };
  }
  return { outputKind: 'tool', schema, name: options.name, description: options.description, strict: options.strict, maxRetries: options.maxRetries };
}

function isToolObject(x: unknown): x is Tool<any, any> {
  return typeof x === 'object' && x !== null && (x as { kind?: unknown }).kind === 'function-tool';
}
/** Uses the provider's native structured output (pydantic-ai `NativeOutput`). */
export function NativeOutput<O>(
  schema: z.ZodType<O> | readonly z.ZodType<O>[],
  options: { name?: string; description?: string; strict?: boolean } = {},
): NativeOutputSpec<O> {
  return { outputKind: 'native', schemas: Array.isArray(schema) ? schema : [schema as z.ZodType<O>], name: options.name, description: options.description, strict: options.strict };
}
/** Asks for JSON in the instructions (pydantic-ai `PromptedOutput`). `template` may contain `{schema}`. */
export function PromptedOutput<O>(
  schema: z.ZodType<O> | readonly z.ZodType<O>[],
  options: { name?: string; description?: string; template?: string } = {},
): PromptedOutputSpec<O> {
  return { outputKind: 'prompted', schemas: Array.isArray(schema) ? schema : [schema as z.ZodType<O>], name: options.name, description: options.description, template: options.template };
}
/** Passes the model's text through `fn` (pydantic-ai `TextOutput`); `fn` may throw `ModelRetry`. */
export function TextOutput<O>(fn: (text: string, ctx: RunContext<any>) => O | Promise<O>): TextOutputSpec<O> {
  return { outputKind: 'text', fn };
}

/** An element of an `outputType` list. */
export type OutputListItem<O> = z.ZodType<O> | ToolOutputSpec<O> | Tool<any, O> | DeferredOutputMarker<O>;

/** `DeferredToolRequests` (the class) as an element of an `outputType` list: the run may end with it. */
export type DeferredOutputMarker<O> = typeof DeferredToolRequests & (abstract new (...args: any[]) => O);

/**
 * What `outputType` accepts: a zod schema, an output function (`tool()`), an output mode, or a
 * list of schemas / functions / `ToolOutput`s / `DeferredToolRequests`.
 */
export type OutputSpec<O> =
  | z.ZodType<O>
  | Tool<any, O>
  | readonly OutputListItem<O>[]
  | ToolOutputSpec<O>
  | NativeOutputSpec<O>
  | PromptedOutputSpec<O>
  | TextOutputSpec<O>;

/** The output type of one `outputType` list element. */
export type InferOutputItem<E> = E extends z.ZodType<infer O>
  ? O
  : E extends Tool<any, infer O>
    ? O
    : E extends ToolOutputSpec<infer O>
      ? O
      : E extends typeof DeferredToolRequests
        ? DeferredToolRequests
        : never;

/** The output type an `OutputSpec` produces (a list gives the union of its elements' outputs). */
export type InferOutput<S> = S extends z.ZodType<infer O>
  ? O
  : S extends Tool<any, infer O>
    ? O
    : S extends readonly (infer E)[]
      ? InferOutputItem<E>
      : S extends ToolOutputSpec<infer O> | NativeOutputSpec<infer O> | PromptedOutputSpec<infer O> | TextOutputSpec<infer O>
        ? O
        : never;

/** Result of validating data against a zod schema. */
export type Validation<T> = { ok: true; value: T } | { ok: false; details: ValidationErrorDetail[] };

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let cur = data;
  for (const k of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[k];
  }
  return cur;
}

/** Validates `data` with `schema`, turning zod issues into pydantic-style error details. */
export function validateWithSchema<T>(schema: z.ZodType<T>, data: unknown): Validation<T> {
  const r = schema.safeParse(data);
  if (r.success) return { ok: true, value: r.data };
  return {
    ok: false,
    details: r.error.issues.map((i) => {
      const loc = i.path.filter((k): k is string | number => typeof k !== 'symbol');
      const d: ValidationErrorDetail = { type: i.code, loc, msg: i.message };
      const input = valueAt(data, i.path);
      if (input !== undefined) d.input = input;
      else if (i.path.length > 0) {
        // a missing field: pydantic's 'missing' error, whose input is the object that lacks it
        const parent = valueAt(data, i.path.slice(0, -1));
        if (parent !== null && typeof parent === 'object' && !(i.path[i.path.length - 1]! in parent)) {
          if (i.code === 'invalid_type') {
            d.type = 'missing';
            d.msg = 'Field required';
          }
          d.input = parent;
        }
      }
      return d;
    }),
  };
}

/** Parses tool-call args (JSON string or object), as pydantic's `validate_json` would. */
export function parseJsonArgs(args: string | Record<string, unknown>): Validation<unknown> {
  if (typeof args !== 'string') return { ok: true, value: args };
  if (args.trim() === '') return { ok: true, value: {} };
  try {
    return { ok: true, value: JSON.parse(args) };
  } catch (e) {
    return { ok: false, details: [{ type: 'json_invalid', loc: [], msg: `Invalid JSON: ${(e as Error).message}`, input: args }] };
  }
}

/** One output tool of a compiled output schema. */
export interface OutputToolEntry {
  readonly definition: ToolDefinition;
  readonly schema: z.ZodType;
  /** True when the schema is not an object and its value travels under a `response` key. */
  readonly wrapped: boolean;
  readonly maxRetries: number | undefined;
  /** Output function called with the validated value; `undefined`: the value is the output. */
  readonly fn: ((args: any, ctx: RunContext<any>) => unknown) | undefined;
}

/** A compiled `outputType`, as the agent loop uses it. */
export interface OutputSchema {
  readonly mode: OutputMode;
  /** Whether a plain text response can end the run. */
  readonly allowTextOutput: boolean;
  /** Whether the run may end with `DeferredToolRequests` (it is among the output types). */
  readonly allowsDeferredTools?: boolean;
  readonly tools: ReadonlyMap<string, OutputToolEntry>;
  readonly toolDefinitions: readonly ToolDefinition[];
  /** For native/prompted modes. */
  readonly outputObject: OutputObjectDefinition | undefined;
  /** Instructions appended for prompted output (rendered from the uncustomized schema). */
  readonly promptedInstructions: string | undefined;
  /** Template of the prompted-output instructions; `undefined` outside prompted mode. */
  readonly promptedTemplate?: string | undefined;
  /**
   * Turns the final text into the output (text, TextOutput, native, prompted modes): the
   * validation result, or a promise of it when the output function is asynchronous.
   * @throws ModelRetry or returns validation details when the text is not acceptable.
   */
  readonly processText: ((text: string, ctx: RunContext<any>) => Validation<unknown> | Promise<Validation<unknown>>) | undefined;
  /**
   * Native/prompted modes: the output as far as a partial JSON text allows (lenient parse, the
   * `{ response }` / `{ result: { kind, data } }` wrappers removed); `undefined` when nothing
   * parses yet.
   */
  readonly partialFromText?: (text: string) => unknown;
}

function isZod(x: unknown): x is z.ZodType {
  rejectZod3Schema(x, 'outputType');
  return isZodSchema(x);
}

/** A zod string schema without checks: plain text output. */
function isPlainString(schema: z.ZodType): boolean {
  return zodTypeName(schema) === 'string' && (schema._zod.def as { checks?: unknown[] }).checks === undefined;
}

function schemaTitle(schema: z.ZodType, js: JsonSchema): string | undefined {
  const own = (schema as { meta?: () => unknown }).meta;
  const meta = (typeof own === 'function' ? own.call(schema) : zodModule().globalRegistry.get(schema)) as { title?: unknown } | undefined;
  if (typeof meta?.title === 'string') return meta.title;
  if (typeof js['title'] === 'string') return js['title'] as string;
  return undefined;
}

/** The output's own description and its schema's, joined as pydantic-ai joins them (`'a. b'`). */
function joinDescriptions(own: string | undefined, fromSchema: string | undefined): string | undefined {
  if (!fromSchema) return own;
  return own === undefined ? fromSchema : `${own}. ${fromSchema}`;
}

const SANITIZE = /[^a-zA-Z0-9_-]/g;

function objectJsonSchema(schema: z.ZodType): { js: JsonSchema; wrapped: boolean; title: string | undefined; description: string | undefined } {
  const raw = toModelJsonSchema(schema);
  const title = schemaTitle(schema, raw);
  const description = typeof raw['description'] === 'string' ? (raw['description'] as string) : undefined;
  if (raw['type'] === 'object' && raw['properties'] !== undefined) {
    const js = { ...raw };
    delete js['title'];
    delete js['description'];
    return { js: js as JsonSchema, wrapped: false, title, description };
  }
  // Not an object: pydantic-ai wraps the value as {"response": value}.
  const inner = { ...raw };
  const defs = inner['$defs'];
  delete inner['$defs'];
  const js: Record<string, unknown> = { type: 'object', properties: { response: inner }, required: ['response'], additionalProperties: false };
  if (defs !== undefined) js['$defs'] = defs;
  return { js: js as JsonSchema, wrapped: true, title, description };
}

function sanitizedName(title: string | undefined, description: string | undefined, index: number): string {
  const base = title ?? description?.slice(0, 40);
  const s = base?.replace(SANITIZE, '') ?? '';
  return s === '' ? String(index + 1) : s;
}

function compileTools(specs: readonly ToolOutputSpec<unknown>[]): { tools: Map<string, OutputToolEntry>; defs: ToolDefinition[] } {
  const tools = new Map<string, OutputToolEntry>();
  const defs: ToolDefinition[] = [];
  const multiple = specs.length > 1;
  specs.forEach((spec, index) => {
    const { js, wrapped, title, description: schemaDescription } = objectJsonSchema(spec.schema);
    let name = spec.name;
    if (name === undefined) {
      name = DEFAULT_OUTPUT_TOOL_NAME;
      if (multiple) name += `_${sanitizedName(title, schemaDescription, index)}`;
    }
    const original = name;
    for (let i = 2; tools.has(name); i++) name = `${original}_${i}`;
    let description = joinDescriptions(spec.description, schemaDescription);
    if (!description) {
      description = DEFAULT_OUTPUT_TOOL_DESCRIPTION;
      if (multiple) description = `${title ?? name}: ${description}`;
    }
    const definition: ToolDefinition = { name, description, parametersJsonSchema: js, kind: 'output' };
    if (spec.strict !== undefined) definition.strict = spec.strict;
    if (wrapped) definition.outerTypedDictKey = 'response';
    tools.set(name, { definition, schema: spec.schema, wrapped, maxRetries: spec.maxRetries, fn: spec.fn });
    defs.push(definition);
  });
  return { tools, defs };
}

/**
 * The prompted-output instructions for `outputObject` (its name as `title`, its description),
 * as pydantic-ai's `PromptedOutputSchema.build_instructions`: `{schema}` in the template is
 * replaced by the schema in Python's JSON layout; a template without it gets the schema appended.
 */
export function renderPromptedInstructions(template: string, outputObject: OutputObjectDefinition): string {
  const shown: Record<string, unknown> = { ...outputObject.jsonSchema };
  if (outputObject.name) shown['title'] = outputObject.name;
  if (outputObject.description) shown['description'] = outputObject.description;
  const t = template.includes('{schema}') ? template : `${template}\n\n{schema}`;
  return t.replace('{schema}', pythonJsonDumps(shown));
}

/** JSON parse helper for native/prompted text: tolerates Markdown fences as pydantic-ai does. */
function extractJson(text: string): string {
  const t = text.trim();
  const fence = /^```(?:json)?\s*\n([\s\S]*?)\n?```$/.exec(t);
  if (fence) return fence[1]!;
  const start = t.indexOf('{');
  const end = t.lastIndexOf('}');
  if (start > 0 && end > start) return t.slice(start, end + 1);
  return t;
}

function compileObjectOutput(
  mode: 'native' | 'prompted',
  schemas: readonly z.ZodType[],
  options: { name: string | undefined; description: string | undefined; strict?: boolean | undefined; template?: string | undefined },
): OutputSchema {
  if (schemas.length === 0) throw new UserError(`${mode === 'native' ? 'NativeOutput' : 'PromptedOutput'} needs at least one schema.`);
  let jsonSchema: JsonSchema;
  let parse: (data: unknown) => Validation<unknown>;
  let name = options.name;
  let description = options.description;
  let unwrap: (data: unknown) => unknown = (d) => d;
  if (schemas.length === 1) {
    const s = schemas[0]!;
    const o = objectJsonSchema(s);
    jsonSchema = o.js;
    name ??= o.title;
    description = joinDescriptions(description, o.description);
    if (o.wrapped) unwrap = (d) => (d as { response?: unknown }).response;
    parse = (data) => {
      if (o.wrapped) {
        const v = validateWithSchema(zodModule().z.object({ response: s }), data);
        return v.ok ? { ok: true, value: v.value.response } : v;
      }
      return validateWithSchema(s, data);
    };
  } else {
    // pydantic-ai's union wrapper: {"result": {"kind": <name>, "data": <object>}}
    const keyed = new Map<string, { schema: z.ZodType; wrapped: boolean }>();
    const variants: Record<string, unknown>[] = [];
    schemas.forEach((s, i) => {
      const o = objectJsonSchema(s);
      let key = o.title ?? `output_${i + 1}`;
      const orig = key;
      for (let n = 2; keyed.has(key); n++) key = `${orig}_${n}`;
      keyed.set(key, { schema: s, wrapped: o.wrapped });
      const v: Record<string, unknown> = {
        type: 'object',
        properties: { kind: { type: 'string', const: key }, data: o.js },
        required: ['kind', 'data'],
        additionalProperties: false,
      };
      if (o.title) v['title'] = o.title;
      if (o.description) v['description'] = o.description;
      variants.push(v);
    });
    jsonSchema = { type: 'object', properties: { result: { anyOf: variants } }, required: ['result'], additionalProperties: false } as JsonSchema;
    unwrap = (d) => {
      const r = (d as { result?: { kind?: unknown; data?: unknown } }).result;
      const data = r?.data;
      if (data === undefined || typeof r?.kind !== 'string') return undefined;
      return keyed.get(r.kind)?.wrapped ? (data as { response?: unknown })?.response : data;
    };
    const envelope = () => {
      const { z } = zodModule();
      return z.object({ result: z.object({ kind: z.enum([...keyed.keys()] as [string, ...string[]]), data: z.unknown() }) });
    };
    let envelopeSchema: ReturnType<typeof envelope> | undefined;
    parse = (data) => {
      const env = validateWithSchema((envelopeSchema ??= envelope()), data);
      if (!env.ok) return env;
      const entry = keyed.get(env.value.result.kind)!;
      const inner = entry.wrapped ? zodModule().z.object({ response: entry.schema }) : entry.schema;
      const v = validateWithSchema(inner, env.value.result.data);
      if (!v.ok) return { ok: false, details: v.details.map((d) => ({ ...d, loc: ['result', 'data', ...d.loc] })) };
      return { ok: true, value: entry.wrapped ? (v.value as { response: unknown }).response : v.value };
    };
  }
  const outputObject: OutputObjectDefinition = { jsonSchema };
  if (name !== undefined) outputObject.name = name;
  if (description !== undefined) outputObject.description = description;
  if (options.strict !== undefined) outputObject.strict = options.strict;
  const promptedTemplate = mode === 'prompted' ? (options.template ?? DEFAULT_PROMPTED_OUTPUT_TEMPLATE) : undefined;
  const promptedInstructions = promptedTemplate === undefined ? undefined : renderPromptedInstructions(promptedTemplate, outputObject);
  return {
    mode,
    allowTextOutput: true,
    tools: new Map(),
    toolDefinitions: [],
    outputObject,
    promptedInstructions,
    promptedTemplate,
    processText: async (text) => {
      let data: unknown;
      try {
        data = JSON.parse(extractJson(text));
      } catch (e) {
        return { ok: false, details: [{ type: 'json_invalid', loc: [], msg: `Invalid JSON: ${(e as Error).message}`, input: text }] };
      }
      return parse(data);
    },
    partialFromText: (text) => {
      let data: unknown;
      try {
        // not extractJson: trimming would drop the trailing space of a string still streaming
        const start = text.indexOf('{');
        data = loadModuleSync<typeof import('partial-json')>('partial-json').parse(start > 0 ? text.slice(start) : text);
      } catch {
        return undefined;
      }
      return data !== null && typeof data === 'object' && !Array.isArray(data) ? unwrap(data) : undefined;
    },
  };
}

/** @internal `processText` of plain text output: the text as it is (ignores the run context). */
export function plainTextOutput(text: string): Validation<unknown> {
  return { ok: true, value: text };
}

const TEXT_OUTPUT: OutputSchema = {
  mode: 'text',
  allowTextOutput: true,
  tools: new Map(),
  toolDefinitions: [],
  outputObject: undefined,
  promptedInstructions: undefined,
  processText: plainTextOutput,
};

function isSpec(x: unknown): x is { outputKind: string } {
  return typeof x === 'object' && x !== null && typeof (x as { outputKind?: unknown }).outputKind === 'string';
}

/**
 * Compiles an `outputType` into the agent's output schema.
 * @throws UserError for anything that is not a zod schema or an output-mode marker.
 */
export function compileOutputSchema(spec: unknown): OutputSchema {
  if (spec === undefined) return TEXT_OUTPUT;
  preloadZod();
  if (spec === DeferredToolRequests) throw new UserError('At least one output type must be provided other than `DeferredToolRequests`.');
  if (isToolObject(spec)) spec = ToolOutput(spec);
  if (isZod(spec)) {
    if (isPlainString(spec)) return TEXT_OUTPUT;
    const { tools, defs } = compileTools([ToolOutput(spec)]);
    return { mode: 'tool', allowTextOutput: false, tools, toolDefinitions: defs, outputObject: undefined, promptedInstructions: undefined, processText: undefined };
  }
  if (Array.isArray(spec)) {
    if (spec.length === 0) throw new UserError('outputType: an empty list of outputs; give at least one zod schema.');
    const toolSpecs: ToolOutputSpec<unknown>[] = [];
    let allowText = false;
    let deferred = false;
    for (const [i, s] of spec.entries()) {
      if (s === DeferredToolRequests) deferred = true;
      else if (isToolObject(s)) toolSpecs.push(ToolOutput(s));
      else if (isZod(s)) {
        if (isPlainString(s)) allowText = true;
        else toolSpecs.push(ToolOutput(s));
      } else if (isSpec(s) && s.outputKind === 'tool') toolSpecs.push(s as ToolOutputSpec<unknown>);
      else throw new UserError(`outputType[${i}] is not a zod schema or ToolOutput(...): pass zod schemas, e.g. outputType: [CitySchema, CountrySchema].`);
    }
    const { tools, defs } = compileTools(toolSpecs);
    if (toolSpecs.length === 0 && !allowText) throw new UserError('At least one output type must be provided other than `DeferredToolRequests`.');
    const mode = toolSpecs.length === 0 ? 'text' : 'tool';
    return {
      mode,
      allowTextOutput: allowText,
      allowsDeferredTools: deferred,
      tools,
      toolDefinitions: defs,
      outputObject: undefined,
      promptedInstructions: undefined,
      processText: allowText ? TEXT_OUTPUT.processText : undefined,
    };
  }
  if (isSpec(spec)) {
    switch (spec.outputKind) {
      case 'tool': {
        const { tools, defs } = compileTools([spec as ToolOutputSpec<unknown>]);
        return { mode: 'tool', allowTextOutput: false, tools, toolDefinitions: defs, outputObject: undefined, promptedInstructions: undefined, processText: undefined };
      }
      case 'native': {
        const n = spec as NativeOutputSpec<unknown>;
        return compileObjectOutput('native', n.schemas, { name: n.name, description: n.description, strict: n.strict });
      }
      case 'prompted': {
        const p = spec as PromptedOutputSpec<unknown>;
        return compileObjectOutput('prompted', p.schemas, { name: p.name, description: p.description, template: p.template });
      }
      case 'text': {
        const t = spec as TextOutputSpec<unknown>;
        return {
          ...TEXT_OUTPUT,
          processText: async (text, ctx) => ({ ok: true, value: await t.fn(text, ctx) }),
        };
      }
    }
  }
  throw new UserError(
    `outputType must be a zod schema (e.g. z.object({ city: z.string() })), a list of them, or ToolOutput/NativeOutput/PromptedOutput/TextOutput; got ${
      spec === null ? 'null' : typeof spec === 'function' ? `function ${(spec as { name?: string }).name ?? ''}` : typeof spec
    }.`,
  );
}
