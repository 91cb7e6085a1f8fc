/**
 * `Agent`: the entry point (pydantic-ai's `Agent`). Holds the configuration; each `run` /
 * `iter` / `runStream` builds a fresh run state.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { UserError } from './errors.js';
import { inferModel } from './infer-model.js';
import type { KnownModelName } from './infer-model.js';
import { InstrumentationSettings, RunInstrumentation, resolveInstrumentation, setInstrumentAll } from './instrumentation.js';
import type { ModelMessage, UserContent } from './messages.js';
import { InvalidMessageHistory, cleanMessageHistory, generateToolCallId, nowIso, parseModelMessages } from './messages.js';
import type { Model } from './model.js';
import { compileOutputSchema } from './output.js';
import type { InferOutput, OutputListItem, OutputSchema, OutputSpec } from './output.js';
import type { ModelRequestParameters as Params } from './model.js';
import type { EndStrategy, OutputValidator, PromptFunction, RunState } from './run-state.js';
import type { ModelSettings } from './settings.js';
import { mergeModelSettings } from './settings.js';
import type { Tool, ToolOptions } from './tools.js';
import type { AgentOptions, AgentOverrides, AgentRetries, EventStreamHandler, RunMetadata, RunOptions } from './agent-options.js';
import type { AbstractCapability } from './capabilities/abstract.js';
import { ProcessHistory } from './capabilities/core.js';
import { RunCapability } from './capabilities/run-capability.js';
import { resolveConversationId, resolveRunId, runMetadata, uuid7 } from './run-identity.js';
import type { AbstractToolset, ToolsetTool } from './toolsets/abstract.js';
import { CombinedToolset } from './toolsets/combined.js';
import { FunctionToolset, asTool } from './toolsets/function.js';
import { mergeSpecOptions, optionsFromSpec, readSpecFile } from './agent-spec.js';
import type { FromSpecOptions } from './agent-spec.js';
import './toolsets/wrappers.js';
import { RunUsage, UsageLimits } from './usage.js';
import { AgentRun, AgentRunResult } from './agent-run.js';
import { StreamedRunResult, runStreamEventsImpl, runStreamImpl } from './streamed-run-result.js';
import type { AgentEvent } from './stream-events.js';
import type { NativeTool } from './native-tools.js';

export type { AgentOptions, AgentOverrides, AgentRetries, EventStreamHandler, Instructions, RunMetadata, RunOptions } from './agent-options.js';

/** @internal */
interface RunSetup<Deps> {
  caps: AbstractCapability<Deps>[];
  capability: RunCapability<Deps> | undefined;
  toolset: AbstractToolset<Deps>;
  staticTools: boolean;
  sharedTools: boolean;
  instructions: (string | PromptFunction<Deps>)[];
  settings: ModelSettings | undefined;
}

const DEFAULT_USAGE_LIMITS = new UsageLimits();
// Shared by runs until their first step lists tools / when no metadata is given (never mutated).
const NO_TOOLS: ReadonlyMap<string, ToolsetTool<any>> = new Map();
const NO_METADATA: readonly RunMetadata<any>[] = [];

/**
 * A copy of `messageHistory` after checking it against `ModelMessagesSchema`.
 * @throws UserError naming the first bad path (e.g. `[1].parts[0].args`), or saying that a
 *   string was passed where an array of messages is expected.
 */
function validatedHistory(history: unknown): ModelMessage[] {
  if (!Array.isArray(history)) {
    const got = typeof history === 'string' ? 'a string (parse JSON first: parseModelMessages(JSON.parse(text)))' : history === null ? 'null' : typeof history;
    throw new UserError(`messageHistory must be an array of messages (ModelMessage[]); got ${got}.`);
  }
  try {
    parseModelMessages(history);
  } catch (e) {
    if (e instanceof InvalidMessageHistory) throw new UserError(`messageHistory is not valid: ${e.message.replace(/^Invalid message history /, '')}`, { cause: e });
    throw e;
  }
  return cleanMessageHistory(history as ModelMessage[]);
}

function clockOf(now: (() => Date) | undefined): () => string {
  return now === undefined ? nowIso : () => now().toISOString();
}

function asList<T>(v: T | readonly T[] | undefined): T[] {
  if (v === undefined) return [];
  return Array.isArray(v) ? [...(v as readonly T[])] : [v as T];
}

function resolveRetries(r: number | AgentRetries | undefined, fallback: { tools: number; output: number }): { tools: number; output: number } {
  if (r === undefined) return fallback;
  if (typeof r === 'number') return { tools: r, output: r };
  return { tools: r.tools ?? fallback.tools, output: r.output ?? fallback.output };
}

/**
 * An agent: a model, instructions, tools and an output type.
 *
 * @typeParam Deps - type of `deps` given to tools and prompt functions.
 * @typeParam Output - type of `result.output` (default `string`).
 */
class AgentClass<Deps = undefined, Output = string> {
  readonly name: string;
  private readonly model: Model | KnownModelName | undefined;
  private readonly instructionsList: (string | PromptFunction<Deps>)[];
  private readonly systemPrompts: (string | PromptFunction<Deps>)[];
  /** The agent's own function tools (`tools` option and `agent.tool`). */
  private readonly functionToolset: FunctionToolset<Deps>;
  private readonly toolsets: AbstractToolset<Deps>[];
  private readonly capabilities: AbstractCapability<Deps>[];
  private readonly metadata: RunMetadata<Deps> | undefined;
  private readonly eventStreamHandler: EventStreamHandler<Deps> | undefined;
  private readonly output: OutputSchema;
  private readonly outputValidators: OutputValidator<Deps, unknown>[] = [];
  private readonly retries: { tools: number; output: number };
  private readonly modelSettings: ModelSettings | undefined;
  private readonly endStrategy: EndStrategy;
  private readonly instrument: boolean | InstrumentationSettings | undefined;
  private readonly nativeTools: NativeTool[];
  private readonly now: (() => Date) | undefined;
  private readonly generateId: (() => string) | undefined;
  private readonly overrides = new AsyncLocalStorage<AgentOverrides<Deps>>();
  // The agent's static tools listed once and shared by runs that change nothing about them.
  private toolCache: { tools?: ReadonlyMap<string, ToolsetTool<Deps>>; params?: Params } = {};
  private baseParams: Params | undefined;
  private plainSetup: RunSetup<Deps> | undefined;

  /**
   * @throws UserError for a non-zod `outputType`, duplicate tool names or invalid tool names.
   */
  constructor(options: AgentOptions<Deps, Output> = {}) {
    this.name = options.name ?? 'agent';
    this.model = options.model;
    this.instructionsList = asList(options.instructions);
    this.systemPrompts = asList(options.systemPrompt);
    this.output = compileOutputSchema(options.outputType);
    this.functionToolset = new FunctionToolset<Deps>(options.tools ?? []);
    for (const name of this.functionToolset.tools.keys()) {
      if (this.output.tools.has(name)) throw new UserError(`Tool name '${name}' conflicts with an output tool name; rename the tool.`);
    }
    this.toolsets = [...(options.toolsets ?? [])];
    this.capabilities = [...(options.capabilities ?? []), ...(options.historyProcessors ?? []).map((p) => new ProcessHistory<Deps>(p))];
    this.metadata = options.metadata;
    this.eventStreamHandler = options.eventStreamHandler;
    const r = resolveRetries(options.retries, { tools: 1, output: 1 });
    this.retries = { tools: r.tools, output: options.outputRetries ?? (typeof options.retries === 'object' && options.retries.output !== undefined ? options.retries.output : r.tools) };
    this.modelSettings = options.modelSettings;
    this.endStrategy = options.endStrategy ?? 'graceful';
    this.instrument = options.instrument;
    this.nativeTools = [...(options.nativeTools ?? [])];
    this.now = options.now;
    this.generateId = options.generateId;
  }

  /**
   * An agent from a spec (pydantic-ai's `Agent.from_spec`): `data` as `AgentSpec`; `options`
   * supplement it (instructions and capabilities appended, settings and metadata merged, other
   * fields override).
   * @throws UserError naming the field of the first problem in the spec.
   */
  static fromSpec<Deps = undefined, Output = string>(data: unknown, options: AgentOptions<Deps, Output> & FromSpecOptions = {}): AgentClass<Deps, Output> {
    const { capabilityTypes, ...code } = options;
    return new AgentClass<Deps, Output>(mergeSpecOptions(optionsFromSpec<Deps>(data, { capabilityTypes: capabilityTypes ?? [] }), code));
  }

  /**
   * An agent from a YAML or JSON spec file (pydantic-ai's `Agent.from_file`).
   * @throws UserError naming the file, and the line or field of the first problem.
   */
  static async fromFile<Deps = undefined, Output = string>(path: string, options: AgentOptions<Deps, Output> & FromSpecOptions = {}): Promise<AgentClass<Deps, Output>> {
    const { capabilityTypes, ...code } = options;
    const data = await readSpecFile(path);
    return new AgentClass<Deps, Output>(mergeSpecOptions(optionsFromSpec<Deps>(data, { capabilityTypes: capabilityTypes ?? [] }, path), code));
  }

  /** Turns instrumentation on (or off) for every agent built without an `instrument` option. */
  static instrumentAll(value: boolean | InstrumentationSettings = true): void {
    setInstrumentAll(value);
  }

  /**
   * Registers a function tool: made with `tool({...})`, or the options `tool()` takes.
   * @throws UserError when the name is already used.
   */
  tool(toolOrOptions: Tool<Deps, any> | ToolOptions<Deps, any, any>): this {
    const t = asTool(toolOrOptions);
    if (this.functionToolset.tools.has(t.name) || this.output.tools.has(t.name)) {
      throw new UserError(`A tool named '${t.name}' is already registered on this agent; tool names must be unique.`);
    }
    this.functionToolset.addTool(t);
    this.toolCache = {};
    this.plainSetup = undefined;
    return this;
  }

  /** Adds a toolset offered at every run. */
  addToolset(toolset: AbstractToolset<Deps>): this {
    this.toolsets.push(toolset);
    this.toolCache = {};
    this.plainSetup = undefined;
    return this;
  }

  /** Adds a capability. */
  addCapability(capability: AbstractCapability<Deps>): this {
    this.capabilities.push(capability);
    this.toolCache = {};
    this.plainSetup = undefined;
    return this;
  }

  /** Adds an output validator: return the (possibly changed) output, or throw `ModelRetry`. */
  outputValidator(fn: OutputValidator<Deps, Output>): this {
    this.outputValidators.push(fn as OutputValidator<Deps, unknown>);
    return this;
  }

  /** Adds instructions (a string or a function of the run context), sent with every request. */
  addInstructions(instructions: string | PromptFunction<Deps>): this {
    this.instructionsList.push(instructions);
    this.plainSetup = undefined;
    return this;
  }

  /** Adds a system prompt (a string or a function of the run context). */
  addSystemPrompt(prompt: string | PromptFunction<Deps>): this {
    this.systemPrompts.push(prompt);
    return this;
  }

  /**
   * Runs `fn` with overrides visible to every run of this agent inside it, including async
   * work it starts; concurrent callers outside see none of it (AsyncLocalStorage). Nested
   * overrides stack and restore on exit. While `modelSettings` is overridden, per-run settings
   * are ignored (as pydantic-ai documents).
   *
   * There is deliberately no `using`-style form: without a callback the only way to scope a
   * value in `AsyncLocalStorage` is `enterWith`, which changes the caller's context too, so the
   * override would leak into the next vitest test and across `Promise.all` siblings.
   */
  override<T>(overrides: AgentOverrides<Deps>, fn: () => T): T {
    const outer = this.overrides.getStore();
    return this.overrides.run(outer ? { ...outer, ...overrides } : { ...overrides }, fn);
  }

  private paramsFor(output: OutputSchema): Params {
    if (output === this.output && this.baseParams !== undefined) return this.baseParams;
    const params: Params = { functionTools: [], outputTools: [...output.toolDefinitions], allowTextOutput: output.allowTextOutput, outputMode: output.mode };
    if (output.outputObject) params.outputObject = output.outputObject;
    if (this.nativeTools.length > 0) params.nativeTools = this.nativeTools;
    if (output === this.output) this.baseParams = params;
    return params;
  }

  /** What a run's capabilities, toolsets, instructions and settings come to (cached for plain runs). */
  private runSetup(ov: AgentOverrides<Deps> | undefined, spec: AgentOptions<Deps, unknown> | undefined, options: RunOptions<Deps, unknown>): RunSetup<Deps> {
    const caps = [...(ov?.capabilities ?? this.capabilities), ...(spec?.capabilities ?? []), ...(options.capabilities ?? [])];
    const capability = caps.length === 0 ? undefined : new RunCapability<Deps>(caps);
    // toolsets: function tools, agent toolsets, run toolsets, capability toolsets; then capability wrappers
    const fnToolset = ov?.tools !== undefined ? new FunctionToolset<Deps>(ov.tools) : this.functionToolset;
    const list: AbstractToolset<Deps>[] = [fnToolset, ...(ov?.toolsets ?? this.toolsets), ...(options.toolsets ?? [])];
    for (const c of caps) {
      const t = c.getToolset();
      if (t !== undefined) list.push(t);
    }
    let toolset: AbstractToolset<Deps> = list.length === 1 ? list[0]! : new CombinedToolset(list);
    for (let i = caps.length - 1; i >= 0; i--) toolset = caps[i]!.getWrapperToolset(toolset) ?? toolset;
    let instructions = ov?.instructions !== undefined ? asList(ov.instructions) : this.instructionsList;
    const extra = [...asList(spec?.instructions), ...asList(options.instructions)];
    for (const c of caps) extra.push(...(asList(c.getInstructions()) as (string | PromptFunction<Deps>)[]));
    if (extra.length > 0) instructions = [...instructions, ...extra];
    let settings = mergeModelSettings(this.modelSettings, spec?.modelSettings);
    for (const c of caps) settings = mergeModelSettings(settings, c.getModelSettings());
    return {
      caps,
      capability,
      toolset,
      staticTools: toolset.isStatic && !capability?.has('prepareTools'),
      sharedTools: list.length === 1 && fnToolset === this.functionToolset && caps.length === 0,
      instructions,
      settings,
    };
  }

  /** @internal Builds the state of a new run. */
  private makeState(options: RunOptions<Deps, unknown>): RunState<Deps> {
    const ov = this.overrides.getStore();
    const modelSpec = ov?.model ?? options.model ?? (options.spec as { model?: string } | undefined)?.model ?? this.model;
    if (modelSpec === undefined) {
      throw new UserError(
        "No model: pass `model` to new Agent({ model }), to run(prompt, { model }), or use agent.override({ model }, fn) — e.g. new TestModel() from 'rehearse/testing'.",
      );
    }
    const model = inferModel(modelSpec);
    const spec = options.spec === undefined ? undefined : optionsFromSpec<Deps>(options.spec, { capabilityTypes: options.capabilityTypes ?? [] });
    const output = options.outputType === undefined ? this.output : compileOutputSchema(options.outputType);
    const retries = resolveRetries(options.retries, resolveRetries(spec?.retries, resolveRetries(ov?.retries, this.retries)));
    const plain = ov === undefined && spec === undefined && options.capabilities === undefined && options.toolsets === undefined && options.instructions === undefined;
    const setup = plain ? (this.plainSetup ??= this.runSetup(undefined, undefined, {})) : this.runSetup(ov, spec, options);
    const { caps, capability, toolset } = setup;
    const shared = setup.sharedTools && output === this.output && retries.tools === this.retries.tools;
    const toolCache = !setup.staticTools ? undefined : shared ? this.toolCache : {};
    const instructions = setup.instructions;
    const agentSettings = setup.settings;
    const modelSettings = ov?.modelSettings !== undefined ? mergeModelSettings(agentSettings, ov.modelSettings) : mergeModelSettings(agentSettings, options.modelSettings);
    const toolChoice = modelSettings?.toolChoice;
    if (toolChoice === 'required' || Array.isArray(toolChoice)) {
      throw new UserError(
        `modelSettings.toolChoice ${JSON.stringify(toolChoice)} keeps the agent from producing a final response, because output tools are excluded. ` +
          'Use { functionTools: [...] } (ToolOrOutput) to allow specific function tools together with output, or call the model directly for a single request.',
      );
    }
    const history = options.messageHistory === undefined ? [] : validatedHistory(options.messageHistory);
    // As pydantic-ai: without usageLimits, the defaults apply (requestLimit 50).
    const limits = options.usageLimits === undefined ? DEFAULT_USAGE_LIMITS : options.usageLimits instanceof UsageLimits ? options.usageLimits : new UsageLimits(options.usageLimits);
    const instrSettings = resolveInstrumentation(this.instrument);
    const agentMetadata = ov?.metadata !== undefined ? ov.metadata : this.metadata;
    const metadataSources =
      agentMetadata === undefined && spec?.metadata === undefined && options.metadata === undefined
        ? NO_METADATA
        : [agentMetadata, spec?.metadata, options.metadata].filter((m): m is RunMetadata<Deps> => m !== undefined);
    const state: RunState<Deps> = {
      messages: history,
      newMessageIndex: history.length,
      usage: options.usage ?? new RunUsage(),
      usageLimits: limits,
      deps: (ov && 'deps' in ov ? ov.deps : options.deps) as Deps,
      prompt: undefined,
      model,
      modelSettings,
      signal: options.signal,
      instructions,
      systemPrompts: this.systemPrompts,
      toolset,
      tools: NO_TOOLS,
      functionToolDefs: [],
      toolsStep: -1,
      toolCache,
      deferred: undefined,
      resume: undefined,
      deferredToolResults: options.deferredToolResults,
      runId: resolveRunId(options.runId, history, options.generateId ?? this.generateId ?? uuid7),
      conversationId: resolveConversationId(options.conversationId, history, options.generateId ?? this.generateId ?? uuid7),
      metadata: undefined,
      metadataSources,
      capability,
      eventStreamHandler: options.eventStreamHandler ?? this.eventStreamHandler,
      output,
      outputValidators: this.outputValidators,
      endStrategy: this.endStrategy,
      retries: retries.tools,
      outputRetries: retries.output,
      requestParams: this.paramsFor(output),
      toolRetries: undefined,
      failedTools: undefined,
      succeededTools: undefined,
      outputRetriesUsed: 0,
      lastMaxTokens: undefined,
      runStep: 0,
      instrumentation: instrSettings ? new RunInstrumentation(instrSettings, ov?.name ?? this.name) : undefined,
      now: clockOf(options.now ?? this.now),
      newId: options.generateId ?? this.generateId ?? generateToolCallId,
    };
    return state;
  }

  /**
   * Starts a run as a graph to drive node by node. Returns synchronously; nothing runs until the
   * run is iterated or `next` is called.
   */
  iter<O = Output>(prompt?: string | readonly UserContent[], options: RunOptions<Deps, O> = {}): AgentRun<O> {
    return new AgentRun<O>(prompt, () => {
      const s = this.makeState(options as RunOptions<Deps, unknown>);
      (s as { prompt: RunState<Deps>['prompt'] }).prompt = prompt;
      if (s.metadataSources.length > 0) s.metadata = runMetadata(s);
      return s;
    });
  }

  /**
   * Runs the agent to the end: `iter` driven to `End`.
   * @throws UserError without a model; UnexpectedModelBehavior when retries are exhausted;
   *   UsageLimitExceeded; ModelHTTPError / ModelAPIError from real models; a tool's own error;
   *   the abort reason when `signal` aborts.
   */
  run<S extends OutputSpec<unknown> | undefined = undefined>(
    prompt?: string | readonly UserContent[],
    options: RunOptions<Deps, unknown> & { outputType?: S } = {},
  ): Promise<AgentRunResult<S extends undefined ? Output : InferOutput<S>>> {
    return this.iter<S extends undefined ? Output : InferOutput<S>>(prompt, options as RunOptions<Deps, S extends undefined ? Output : InferOutput<S>>).drive();
  }

  /**
   * Runs the agent and streams the final response. The promise settles once the response that
   * produces the final result starts streaming; tool calls before it run as usual.
   */
  runStream(prompt?: string | readonly UserContent[], options: RunOptions<Deps, Output> = {}): Promise<StreamedRunResult<Output>> {
    return runStreamImpl(this.iter<Output>(prompt, options));
  }

  /**
   * Runs the agent and yields every event: model stream events, `final_result`, tool call and
   * result events, and last `agent_run_result` with the `AgentRunResult`.
   */
  runStreamEvents(prompt?: string | readonly UserContent[], options: RunOptions<Deps, Output> = {}): AsyncIterable<AgentEvent<AgentRunResult<Output>>> {
    return runStreamEventsImpl(this.iter<Output>(prompt, options));
  }
}

/**
 * `new Agent(options)`: the output type comes from `outputType` — a schema, an output function,
 * a mode, or a list (whose elements' outputs form a union, e.g.
 * `[City, DeferredToolRequests]` → `City | DeferredToolRequests`).
 */
export interface AgentConstructor {
  new <Deps = undefined, Output = string>(options?: AgentOptions<Deps, Output>): AgentClass<Deps, Output>;
  new <Deps = undefined, const S extends readonly OutputListItem<any>[] = readonly OutputListItem<any>[]>(
    options: AgentOptions<Deps, unknown> & { outputType: S },
  ): AgentClass<Deps, InferOutput<S>>;
  readonly prototype: AgentClass<any, any>;
  /** Turns instrumentation on (or off) for every agent built without an `instrument` option. */
  instrumentAll(value?: boolean | InstrumentationSettings): void;
  /** See `AgentClass.fromSpec`. */
  fromSpec<Deps = undefined, Output = string>(data: unknown, options?: AgentOptions<Deps, Output> & FromSpecOptions): AgentClass<Deps, Output>;
  /** See `AgentClass.fromFile`. */
  fromFile<Deps = undefined, Output = string>(path: string, options?: AgentOptions<Deps, Output> & FromSpecOptions): Promise<AgentClass<Deps, Output>>;
}

/** An agent (see `AgentClass` members). */
export type Agent<Deps = undefined, Output = string> = AgentClass<Deps, Output>;
/** Builds agents; see `AgentConstructor`. */
export const Agent = AgentClass as unknown as AgentConstructor;
