/**
 * Agent specs (pydantic-ai's `agent/spec.py` and docs/agent-spec.md): an agent described as data
 * — YAML or JSON — with the model, instructions, settings, retries, metadata and capabilities
 * by name. `Agent.fromSpec(data, options)` / `Agent.fromFile(path, options)` build it; the
 * `spec` run option applies one to a single run.
 */
import type { AgentOptions, AgentRetries } from './agent-options.js';
import type { AbstractCapability } from './capabilities/abstract.js';
import { PrefixTools, SetToolMetadata } from './capabilities/core.js';
import { UserError } from './errors.js';
import type { KnownModelName } from './infer-model.js';
import type { EndStrategy, PromptFunction } from './run-state.js';
import type { ModelSettings } from './settings.js';

/** The data of a spec (snake_case keys as pydantic-ai's; camelCase accepted too). */
export interface AgentSpec {
  model: string;
  name?: string;
  description?: string;
  instructions?: string | string[];
  model_settings?: Record<string, unknown>;
  capabilities?: CapabilitySpec[];
  retries?: number | AgentRetries;
  end_strategy?: EndStrategy;
  metadata?: Record<string, unknown>;
  instrument?: boolean;
}

/** A capability in a spec: `'Name'`, `{ Name: value }` or `{ Name: { key: value } }`. */
export type CapabilitySpec = string | Record<string, unknown>;

/**
 * A capability class usable in specs: a static `fromSpec(args)` building it, and optionally a
 * `serializationName` (default: the class name).
 */
export interface SpecCapabilityType {
  readonly name: string;
  readonly serializationName?: string;
  fromSpec(args?: unknown): AbstractCapability<any>;
}

/** Options of `Agent.fromSpec` besides the agent options that supplement or override the spec. */
export interface FromSpecOptions {
  /** Custom capability classes the spec may name. */
  capabilityTypes?: readonly SpecCapabilityType[];
}

const SETTINGS_KEYS: Record<string, keyof ModelSettings> = {
  max_tokens: 'maxTokens',
  temperature: 'temperature',
  top_p: 'topP',
  seed: 'seed',
  presence_penalty: 'presencePenalty',
  frequency_penalty: 'frequencyPenalty',
  stop_sequences: 'stopSequences',
  parallel_tool_calls: 'parallelToolCalls',
} as Record<string, keyof ModelSettings>;

const KNOWN_FIELDS = new Set(['model', 'name', 'description', 'instructions', 'model_settings', 'modelSettings', 'capabilities', 'retries', 'end_strategy', 'endStrategy', 'metadata', 'instrument']);

function fail(source: string, field: string, message: string): never {
  throw new UserError(`Invalid agent spec${source ? ` in ${source}` : ''} at '${field}': ${message}`);
}

/**
 * Renders `{{name}}` (and `{{a.b}}`) placeholders from the run's `deps`, as pydantic-ai's
 * `TemplateStr`; a missing value renders as an empty string.
 */
export function templateInstructions<Deps>(template: string): PromptFunction<Deps> {
  return (ctx) =>
    template.replace(/\{\{\s*([\w.]+)\s*\}\}/g, (_m, path: string) => {
      let v: unknown = ctx.deps;
      for (const k of path.split('.')) v = v === null || typeof v !== 'object' ? undefined : (v as Record<string, unknown>)[k];
      return v === undefined || v === null ? '' : String(v);
    });
}

function builtinCapability(name: string, args: unknown, types: readonly SpecCapabilityType[], source: string, field: string): AbstractCapability<any> {
  const custom = types.find((t) => (t.serializationName ?? t.name) === name);
  if (custom) return custom.fromSpec(args);
  switch (name) {
    case 'SetToolMetadata': {
      if (args === null || typeof args !== 'object' || Array.isArray(args)) fail(source, field, 'SetToolMetadata takes an object: { tools?: [names], ...metadata }');
      const { tools, ...metadata } = args as { tools?: unknown } & Record<string, unknown>;
      if (tools !== undefined && tools !== 'all' && !(Array.isArray(tools) && tools.every((t) => typeof t === 'string'))) fail(source, `${field}.tools`, "expected 'all' or a list of tool names");
      const names = Array.isArray(tools) ? new Set(tools as string[]) : undefined;
      return new SetToolMetadata(metadata, names ? (d) => names.has(d.name) : undefined);
    }
    case 'PrefixTools': {
      const a = args as { prefix?: unknown; capability?: unknown } | undefined;
      if (typeof a?.prefix !== 'string') fail(source, `${field}.prefix`, 'expected a string');
      if (a.capability === undefined) fail(source, `${field}.capability`, 'PrefixTools wraps a capability: { prefix, capability: Name | { Name: args } }');
      return new PrefixTools(capabilityFromSpec(a.capability as CapabilitySpec, types, source, `${field}.capability`), a.prefix);
    }
    default: {
      const known = ['PrefixTools', 'SetToolMetadata', ...types.map((t) => t.serializationName ?? t.name)];
      return fail(source, field, `unknown capability '${name}'; known: ${known.join(', ')} (pass custom ones in capabilityTypes)`);
    }
  }
}

function capabilityFromSpec(spec: CapabilitySpec, types: readonly SpecCapabilityType[], source: string, field: string): AbstractCapability<any> {
  if (typeof spec === 'string') return builtinCapability(spec, undefined, types, source, field);
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec) || Object.keys(spec).length !== 1) {
    return fail(source, field, "expected 'Name', { Name: value } or { Name: { key: value } }");
  }
  const [name, args] = Object.entries(spec)[0]!;
  return builtinCapability(name, args, types, source, field);
}

/**
 * Agent options described by `data` (an `AgentSpec`). Strings with `{{...}}` in `instructions`
 * become templates rendered from `deps`.
 * @throws UserError naming the source and field of the first problem.
 */
export function optionsFromSpec<Deps>(data: unknown, options: FromSpecOptions = {}, source = ''): AgentOptions<Deps, unknown> {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) fail(source, '(root)', 'expected an object');
  const d = data as Record<string, unknown>;
  for (const k of Object.keys(d)) if (!KNOWN_FIELDS.has(k)) fail(source, k, `unknown field; known: ${[...KNOWN_FIELDS].join(', ')}`);
  if (typeof d['model'] !== 'string' || d['model'] === '') fail(source, 'model', "required: a model name such as 'openai:gpt-4o' or 'test'");
  const out: AgentOptions<Deps, unknown> = { model: d['model'] as KnownModelName };
  if (d['name'] !== undefined) out.name = typeof d['name'] === 'string' ? d['name'] : fail(source, 'name', 'expected a string');
  const ins = d['instructions'];
  if (ins !== undefined) {
    const list = typeof ins === 'string' ? [ins] : Array.isArray(ins) && ins.every((i) => typeof i === 'string') ? (ins as string[]) : fail(source, 'instructions', 'expected a string or a list of strings');
    out.instructions = list.map((s) => (s.includes('{{') ? templateInstructions<Deps>(s) : s));
  }
  const ms = d['model_settings'] ?? d['modelSettings'];
  if (ms !== undefined) {
    if (ms === null || typeof ms !== 'object' || Array.isArray(ms)) fail(source, 'model_settings', 'expected an object');
    const settings: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(ms as Record<string, unknown>)) {
      if (k === 'timeout') settings['timeoutMs'] = typeof v === 'number' ? v * 1000 : fail(source, 'model_settings.timeout', 'expected seconds as a number');
      else settings[SETTINGS_KEYS[k] ?? k] = v;
    }
    out.modelSettings = settings as ModelSettings;
  }
  const r = d['retries'];
  if (r !== undefined) {
    const ok = (typeof r === 'number' && Number.isInteger(r) && r >= 0) || (typeof r === 'object' && r !== null && Object.entries(r).every(([k, v]) => (k === 'tools' || k === 'output') && Number.isInteger(v)));
    if (!ok) fail(source, 'retries', 'expected a non-negative integer or { tools, output }');
    out.retries = r as number | AgentRetries;
  }
  const es = d['end_strategy'] ?? d['endStrategy'];
  if (es !== undefined) out.endStrategy = es === 'early' || es === 'graceful' || es === 'exhaustive' ? es : fail(source, 'end_strategy', "expected 'early', 'graceful' or 'exhaustive'");
  if (d['metadata'] !== undefined) out.metadata = typeof d['metadata'] === 'object' && d['metadata'] !== null && !Array.isArray(d['metadata']) ? (d['metadata'] as Record<string, unknown>) : fail(source, 'metadata', 'expected an object');
  if (d['instrument'] !== undefined) out.instrument = typeof d['instrument'] === 'boolean' ? d['instrument'] : fail(source, 'instrument', 'expected a boolean');
  const caps = d['capabilities'];
  if (caps !== undefined) {
    if (!Array.isArray(caps)) fail(source, 'capabilities', 'expected a list');
    out.capabilities = caps.map((c, i) => capabilityFromSpec(c as CapabilitySpec, options.capabilityTypes ?? [], source, `capabilities[${i}]`));
  }
  return out;
}

/**
 * Spec options merged with code options, as pydantic-ai's `from_spec`: scalars from `code` win;
 * instructions and capabilities are the spec's then the code's; model settings merge with the
 * code's on top; metadata likewise.
 */
export function mergeSpecOptions<Deps, Output>(spec: AgentOptions<Deps, unknown>, code: AgentOptions<Deps, Output>): AgentOptions<Deps, Output> {
  const list = <T>(v: T | readonly T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? [...(v as readonly T[])] : [v as T]);
  const out = { ...spec, ...code } as AgentOptions<Deps, Output>;
  const instructions = [...list(spec.instructions), ...list(code.instructions)];
  if (instructions.length > 0) out.instructions = instructions as NonNullable<AgentOptions<Deps, Output>['instructions']>;
  const capabilities = [...(spec.capabilities ?? []), ...(code.capabilities ?? [])];
  if (capabilities.length > 0) out.capabilities = capabilities;
  if (spec.modelSettings !== undefined || code.modelSettings !== undefined) out.modelSettings = { ...spec.modelSettings, ...code.modelSettings };
  if (typeof spec.metadata === 'object' && typeof code.metadata === 'object') out.metadata = { ...spec.metadata, ...code.metadata };
  return out;
}

/**
 * Reads a spec file: YAML (`.yaml`/`.yml`) or JSON.
 * @throws UserError naming the file (and line for YAML syntax errors) when it cannot be read or parsed.
 */
export async function readSpecFile(path: string): Promise<unknown> {
  let text: string;
  try {
    const { readFile } = await import('node:fs/promises');
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new UserError(`Cannot read agent spec ${path}: ${(e as Error).message}`, { cause: e });
  }
  if (/\.json$/i.test(path)) {
    try {
      return JSON.parse(text);
    } catch (e) {
      throw new UserError(`Agent spec ${path} is not valid JSON: ${(e as Error).message}`, { cause: e });
    }
  }
  const yaml = await import('yaml');
  const doc = yaml.parseDocument(text);
  if (doc.errors.length > 0) {
    const err = doc.errors[0]!;
    const line = err.linePos?.[0]?.line;
    throw new UserError(`Agent spec ${path}${line !== undefined ? `:${line}` : ''} is not valid YAML: ${err.message.split('\n')[0]}`);
  }
  return doc.toJS();
}
