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
import type { Model, ModelRequestParameters, ToolDefinition } from './model.js';
import { compileOutputSchema } from './output.js';
import type { InferOutput, OutputSchema, OutputSpec } from './output.js';
import type { EndStrategy, OutputValidator, PromptFunction, RunState } from './run-state.js';
import type { ModelSettings } from './settings.js';
import { mergeModelSettings } from './settings.js';
import type { Tool } from './tools.js';
import { RunUsage, UsageLimits } from './usage.js';
import type { UsageLimitsOptions } from './usage.js';
import { AgentRun, AgentRunResult } from './agent-run.js';
import { StreamedRunResult, runStreamEventsImpl, runStreamImpl } from './streamed-run-result.js';
import type { AgentEvent } from './stream-events.js';
import type { NativeTool } from './native-tools.js';

/** Constructor options of `Agent`. */
export interface AgentOptions<Deps, Output> {
  /** Default model; may be left out and given per run or by `override`. */
  model?: Model | KnownModelName;
  /** Name used in spans. Default `'agent'`. */
  name?: string;
  /** Instructions sent with every request and not stored as message parts. */
  instructions?: string | PromptFunction<Deps> | readonly (string | PromptFunction<Deps>)[];
  /** System prompts, stored in the history at the start of a new conversation. */
  systemPrompt?: string | readonly string[];
  /**
   * Output type: a zod schema (output tool `final_result`), a list of them (one output tool per
   * schema, `final_result_{title}`), or an output mode (`ToolOutput`, `NativeOutput`,
   * `PromptedOutput`, `TextOutput`). Default: text. For a list, TypeScript cannot infer the union
   * of the outputs: name it, `new Agent<Deps, A | B>({ outputType: [ASchema, BSchema] })`.
   */
  outputType?: OutputSpec<Output>;
  /** Function tools. */
  tools?: readonly Tool<Deps>[];
  /** Default retries for tools. Default 1. */
  retries?: number;
  /** Retries for output validation. Default: `retries`. */
  outputRetries?: number;
  /** Settings for every request of this agent. */
  modelSettings?: ModelSettings;
  /**
   * How the tool calls of a response that produces the final result are handled:
   * `'early'`, `'graceful'` (default) or `'exhaustive'`, as pydantic-ai v2 (see `EndStrategy`).
   */
  endStrategy?: EndStrategy;
  /** OpenTelemetry instrumentation. Default: `Agent.instrumentAll()`'s setting, else off. */
  instrument?: boolean | InstrumentationSettings;
  /** Tools the provider runs itself, e.g. `[WebSearchTool()]`; models that cannot run one throw `UserError`. */
  nativeTools?: readonly NativeTool[];
  /** Clock for the timestamps the agent writes on request parts. Default: the system clock. */
  now?: () => Date;
  /** Id generator for ids the agent makes (retry prompts without a tool call). Default: `generateToolCallId`. */
  generateId?: () => string;
}

/** Options of `run`, `iter`, `runStream` and `runStreamEvents`. */
export interface RunOptions<Deps, Output = unknown> {
  deps?: Deps;
  /**
   * History to continue; system prompts are not repeated. Validated at run start with
   * `ModelMessagesSchema`. A history whose last response has unanswered tool calls must be
   * continued without a new prompt (the calls are answered first).
   */
  messageHistory?: readonly ModelMessage[];
  /** Model for this run (overrides the agent's). */
  model?: Model | KnownModelName;
  /** Settings merged over the agent's (ignored while `override({ modelSettings })` is active). */
  modelSettings?: ModelSettings;
  /** Limits checked before each request and after each response. Default: `new UsageLimits()` (requestLimit 50), as pydantic-ai. */
  usageLimits?: UsageLimits | UsageLimitsOptions;
  /** Usage to continue counting from (e.g. a parent agent's). */
  usage?: RunUsage;
  /** Output type for this run (overrides the agent's). */
  outputType?: OutputSpec<Output>;
  /** Aborting stops the run before its next step; it rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Clock for this run (overrides the agent's `now`). */
  now?: () => Date;
  /** Id generator for this run (overrides the agent's `generateId`). */
  generateId?: () => string;
}

/** What `agent.override` can replace. */
export interface AgentOverrides<Deps> {
  model?: Model | KnownModelName;
  deps?: Deps;
  tools?: readonly Tool<Deps>[];
  instructions?: string | PromptFunction<Deps> | readonly (string | PromptFunction<Deps>)[];
  modelSettings?: ModelSettings;
  name?: string;
  retries?: number;
}

const DEFAULT_USAGE_LIMITS = new UsageLimits();

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

function toolMap<Deps>(tools: readonly Tool<Deps>[], output: OutputSchema): Map<string, Tool<Deps>> {
  const m = new Map<string, Tool<Deps>>();
  for (const t of tools) {
    if (m.has(t.name)) throw new UserError(`Two tools are named '${t.name}': tool names must be unique within an agent.`);
    if (output.tools.has(t.name)) throw new UserError(`Tool name '${t.name}' conflicts with an output tool name; rename the tool.`);
    m.set(t.name, t);
  }
  return m;
}

/**
 * An agent: a model, instructions, tools and an output type.
 *
 * @typeParam Deps - type of `deps` given to tools and prompt functions.
 * @typeParam Output - type of `result.output` (default `string`).
 */
export class Agent<Deps = undefined, Output = string> {
  readonly name: string;
  private readonly model: Model | KnownModelName | undefined;
  private readonly instructionsList: (string | PromptFunction<Deps>)[];
  private readonly systemPrompts: (string | PromptFunction<Deps>)[];
  private readonly toolsList: Tool<Deps>[];
  private readonly output: OutputSchema;
  private readonly outputValidators: OutputValidator<Deps, unknown>[] = [];
  private readonly retries: number;
  private readonly outputRetries: number;
  private readonly modelSettings: ModelSettings | undefined;
  private readonly endStrategy: EndStrategy;
  private readonly instrument: boolean | InstrumentationSettings | undefined;
  private readonly nativeTools: NativeTool[];
  private readonly now: (() => Date) | undefined;
  private readonly generateId: (() => string) | undefined;
  private readonly overrides = new AsyncLocalStorage<AgentOverrides<Deps>>();
  // cached per tool-set: tool map and request parameters
  private cache: { tools: Map<string, Tool<Deps>>; defs: ToolDefinition[]; params: ModelRequestParameters } | undefined;

  /**
   * @throws UserError for a non-zod `outputType`, duplicate tool names or invalid tool names.
   */
  constructor(options: AgentOptions<Deps, Output> = {}) {
    this.name = options.name ?? 'agent';
    this.model = options.model;
    this.instructionsList = asList(options.instructions);
    this.systemPrompts = asList(options.systemPrompt);
    this.output = compileOutputSchema(options.outputType);
    this.toolsList = [...(options.tools ?? [])];
    toolMap(this.toolsList, this.output);
    this.retries = options.retries ?? 1;
    this.outputRetries = options.outputRetries ?? this.retries;
    this.modelSettings = options.modelSettings;
    this.endStrategy = options.endStrategy ?? 'graceful';
    this.instrument = options.instrument;
    this.nativeTools = [...(options.nativeTools ?? [])];
    this.now = options.now;
    this.generateId = options.generateId;
  }

  /** Turns instrumentation on (or off) for every agent built without an `instrument` option. */
  static instrumentAll(value: boolean | InstrumentationSettings = true): void {
    setInstrumentAll(value);
  }

  /**
   * Registers a function tool.
   * @throws UserError when the name is already used.
   */
  tool(t: Tool<Deps>): this {
    if (this.toolsList.some((x) => x.name === t.name) || this.output.tools.has(t.name)) {
      throw new UserError(`A tool named '${t.name}' is already registered on this agent; tool names must be unique.`);
    }
    this.toolsList.push(t);
    this.cache = undefined;
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

  private toolSetup(tools: readonly Tool<Deps>[] | undefined, output: OutputSchema): { tools: Map<string, Tool<Deps>>; defs: ToolDefinition[]; params: ModelRequestParameters } {
    const build = (list: readonly Tool<Deps>[]) => {
      const map = toolMap(list, output);
      const defs = list.map((t) => t.definition);
      const params: ModelRequestParameters = {
        functionTools: defs,
        outputTools: [...output.toolDefinitions],
        allowTextOutput: output.allowTextOutput,
        outputMode: output.mode,
      };
      if (output.outputObject) params.outputObject = output.outputObject;
      if (this.nativeTools.length > 0) params.nativeTools = this.nativeTools;
      return { tools: map, defs, params };
    };
    if (tools !== undefined || output !== this.output) return build(tools ?? this.toolsList);
    this.cache ??= build(this.toolsList);
    return this.cache;
  }

  /** @internal Builds the state of a new run. */
  private makeState(options: RunOptions<Deps, unknown>): RunState<Deps> {
    const ov = this.overrides.getStore();
    const modelSpec = ov?.model ?? options.model ?? this.model;
    if (modelSpec === undefined) {
      throw new UserError(
        "No model: pass `model` to new Agent({ model }), to run(prompt, { model }), or use agent.override({ model }, fn) — e.g. new TestModel() from 'rehearse/testing'.",
      );
    }
    const model = inferModel(modelSpec);
    const output = options.outputType === undefined ? this.output : compileOutputSchema(options.outputType);
    const setup = this.toolSetup(ov?.tools, output);
    const retries = ov?.retries ?? this.retries;
    const instructions = ov?.instructions !== undefined ? asList(ov.instructions) : this.instructionsList;
    const modelSettings = ov?.modelSettings !== undefined ? mergeModelSettings(this.modelSettings, ov.modelSettings) : mergeModelSettings(this.modelSettings, options.modelSettings);
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
    return {
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
      tools: setup.tools,
      functionToolDefs: setup.defs,
      output,
      outputValidators: this.outputValidators,
      endStrategy: this.endStrategy,
      retries,
      outputRetries: this.outputRetries,
      requestParams: setup.params,
      toolRetries: new Map(),
      failedTools: new Set(),
      succeededTools: new Set(),
      outputRetriesUsed: 0,
      lastMaxTokens: undefined,
      runStep: 0,
      instrumentation: instrSettings ? new RunInstrumentation(instrSettings, ov?.name ?? this.name) : undefined,
      now: clockOf(options.now ?? this.now),
      newId: options.generateId ?? this.generateId ?? generateToolCallId,
    };
  }

  /**
   * Starts a run as a graph to drive node by node. Returns synchronously; nothing runs until the
   * run is iterated or `next` is called.
   */
  iter<O = Output>(prompt?: string | readonly UserContent[], options: RunOptions<Deps, O> = {}): AgentRun<O> {
    return new AgentRun<O>(prompt, () => {
      const s = this.makeState(options as RunOptions<Deps, unknown>);
      (s as { prompt: RunState<Deps>['prompt'] }).prompt = prompt;
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
