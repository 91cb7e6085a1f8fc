/**
 * `DBOSAgent`: an `Agent` made durable on DBOS, as pydantic-ai's
 * `durable_exec/dbos/_agent.py`. It wraps the agent from outside: `run` is the DBOS workflow
 * `{name}.run`, and every model request of a run goes through `DBOSModel`'s steps. Function
 * tools run in workflow code, as pydantic-ai's DBOS rules say (wrap I/O in your own steps,
 * e.g. with `durableTool`); their calls run in parallel with result events in call order
 * (`'parallel_ordered_events'`) or one at a time (`'sequential'`).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { DBOS } from '@dbos-inc/dbos-sdk';
import {
  AgentRun,
  AgentRunResult,
  RunUsage,
  UsageLimits,
  UserError,
  inferModel,
  runStreamEventsImpl,
  runStreamImpl,
} from '../runtime/index.js';
import type {
  Agent,
  AgentEvent,
  AgentOverrides,
  KnownModelName,
  Model,
  ModelMessage,
  RunOptions,
  RunUsageData,
  StreamedRunResult,
  UsageLimitsOptions,
  UserContent,
} from '../runtime/index.js';
import { DBOSModel, ModelSteps } from './dbos-model.js';
import type { DurableStreamEvent, EventStreamHandler, StepConfig } from './dbos-model.js';
import { reviveReplayed } from './step-outcome.js';
import { SequentialToolCalls, orderToolEvents } from './tool-events.js';
import type { DBOSParallelExecutionMode } from './tool-events.js';

/** Options of `new DBOSAgent(agent, options)`. */
export interface DBOSAgentOptions<Deps> {
  /**
   * Unique, stable name: workflow `{name}.run`, steps `{name}__model.request` and
   * `{name}__model.request_stream`. Default: the agent's `name` (an agent left with the default
   * name `'agent'` must be given one). Changing it breaks recovery of workflows in flight.
   */
  name?: string;
  /** Receives the run's events (see `EventStreamHandler`); `run` then streams model requests. */
  eventStreamHandler?: EventStreamHandler<Deps>;
  /** DBOS step settings for model requests. Default: no retries. */
  modelStepConfig?: StepConfig;
  /** How a response's tool calls run. Default `'parallel_ordered_events'`. */
  parallelExecutionMode?: DBOSParallelExecutionMode;
}

/** Run options a workflow can record (its inputs are stored in PostgreSQL). */
export interface WorkflowInput<Deps> {
  deps?: Deps;
  messageHistory?: ModelMessage[];
  model?: string;
  modelSettings?: RunOptions<Deps>['modelSettings'];
  usageLimits?: UsageLimitsOptions;
  usage?: Omit<RunUsageData, 'totalTokens'>;
  deferredToolResults?: RunOptions<Deps>['deferredToolResults'];
  conversationId?: string;
  runId?: string;
  retries?: RunOptions<Deps>['retries'];
  instructions?: string;
}

/** What the `{name}.run` workflow records as its output. */
export interface WorkflowRecord {
  output: unknown;
  toolName?: string;
  messages: ModelMessage[];
  newMessageIndex: number;
  usage: Omit<RunUsageData, 'totalTokens'>;
}

/** The private parts of `Agent` a wrapper needs: its default model and live overrides. */
interface AgentInternals<Deps> {
  model: Model | KnownModelName | undefined;
  overrides: AsyncLocalStorage<AgentOverrides<Deps>>;
}

const registeredNames = new Set<string>();

function usageData(u: RunUsage): Omit<RunUsageData, 'totalTokens'> {
  return {
    requests: u.requests,
    toolCalls: u.toolCalls,
    inputTokens: u.inputTokens,
    outputTokens: u.outputTokens,
    cacheReadTokens: u.cacheReadTokens,
    cacheWriteTokens: u.cacheWriteTokens,
    details: { ...u.details },
  };
}

function limitsData(l: UsageLimits | UsageLimitsOptions): UsageLimitsOptions {
  const o: UsageLimitsOptions = {};
  const requestLimit = l instanceof UsageLimits ? (l.requestLimit ?? null) : l.requestLimit;
  if (requestLimit !== undefined) o.requestLimit = requestLimit;
  if (l.toolCallsLimit !== undefined) o.toolCallsLimit = l.toolCallsLimit;
  if (l.inputTokensLimit !== undefined) o.inputTokensLimit = l.inputTokensLimit;
  if (l.outputTokensLimit !== undefined) o.outputTokensLimit = l.outputTokensLimit;
  if (l.totalTokensLimit !== undefined) o.totalTokensLimit = l.totalTokensLimit;
  return o;
}

/**
 * An agent whose runs are DBOS workflows. Construct it before `DBOS.launch()` (DBOS registers
 * workflows and steps up front), with a name unique in the process.
 *
 * @typeParam Deps - the wrapped agent's deps type; deps are workflow inputs, so they must be
 *   serializable (DBOS stores them in PostgreSQL).
 */
export class DBOSAgent<Deps = undefined, Output = string> {
  /** The unique durable name. */
  readonly name: string;
  readonly parallelExecutionMode: DBOSParallelExecutionMode;
  private readonly steps: ModelSteps;
  private readonly handler: EventStreamHandler<Deps> | undefined;
  private readonly overrides = new AsyncLocalStorage<{ model?: Model | KnownModelName }>();
  private readonly runWorkflow: (prompt: string | readonly UserContent[] | undefined, input: WorkflowInput<Deps>) => Promise<WorkflowRecord>;

  /**
   * @throws UserError when no name is given and the agent has the default name, or when the
   *   name is already used by another `DBOSAgent` in this process; DBOS's registration error
   *   after `DBOS.launch()`.
   */
  constructor(
    /** The agent that does the work; still usable on its own, outside workflows. */
    readonly wrapped: Agent<Deps, Output>,
    options: DBOSAgentOptions<Deps> = {},
  ) {
    const name = options.name ?? (wrapped.name !== 'agent' ? wrapped.name : undefined);
    if (name === undefined || name === '') {
      throw new UserError(
        "A DBOSAgent needs a unique name, used to identify its workflows and steps: new DBOSAgent(agent, { name: 'support' }) or new Agent({ name: 'support', ... }).",
      );
    }
    if (registeredNames.has(name)) {
      throw new UserError(`A DBOSAgent named '${name}' already exists in this process: names identify workflows and steps, so each durable agent needs its own.`);
    }
    this.name = name;
    this.parallelExecutionMode = options.parallelExecutionMode ?? 'parallel_ordered_events';
    this.handler = options.eventStreamHandler;
    this.steps = new ModelSteps(name, options.modelStepConfig ?? {});
    this.runWorkflow = DBOS.registerWorkflow(async (prompt: string | readonly UserContent[] | undefined, input: WorkflowInput<Deps>) => this.runInWorkflow(prompt, input), {
      name: `${name}.run`,
    });
    registeredNames.add(name);
  }

  private get internals(): AgentInternals<Deps> {
    return this.wrapped as unknown as AgentInternals<Deps>;
  }

  /**
   * Builds a run of the wrapped agent whose model is wrapped in `DBOSModel` (and whose tools
   * are serialized in `'sequential'` mode). The run state is built at once, inside the
   * overrides, so `iter` and `runStream` see them when driven later.
   */
  private prepare<O>(prompt: string | readonly UserContent[] | undefined, options: RunOptions<Deps, O>, handler?: EventStreamHandler<Deps>): AgentRun<O> {
    const inner = this.internals.overrides.getStore();
    const spec = this.overrides.getStore()?.model ?? inner?.model ?? options.model ?? this.internals.model;
    const runOptions: RunOptions<Deps, O> =
      this.parallelExecutionMode === 'sequential' ? { ...options, capabilities: [...(options.capabilities ?? []), new SequentialToolCalls<Deps>()] } : options;
    const run = this.wrapped.iter<O>(prompt, runOptions);
    const bound = handler ? (events: AsyncIterable<DurableStreamEvent>) => handler({ deps: run.state.deps as Deps, agentName: this.name }, events) : undefined;
    const ov: AgentOverrides<Deps> = {};
    if (spec !== undefined) ov.model = new DBOSModel(inferModel(spec), this.steps, bound);
    this.wrapped.override(ov, () => run.state);
    return run;
  }

  private async runInWorkflow(prompt: string | readonly UserContent[] | undefined, input: WorkflowInput<Deps>): Promise<WorkflowRecord> {
    const options: RunOptions<Deps, unknown> = {};
    if ('deps' in input) options.deps = input.deps as Deps;
    if (input.messageHistory) options.messageHistory = input.messageHistory;
    if (input.model !== undefined) options.model = input.model;
    if (input.modelSettings !== undefined) options.modelSettings = input.modelSettings;
    if (input.usageLimits !== undefined) options.usageLimits = input.usageLimits;
    if (input.usage !== undefined) options.usage = new RunUsage(input.usage);
    if (input.deferredToolResults !== undefined) options.deferredToolResults = input.deferredToolResults;
    if (input.conversationId !== undefined) options.conversationId = input.conversationId;
    // the run id is the workflow id unless given: the same on every recovery of this run
    const runId = input.runId ?? DBOS.workflowID;
    if (runId !== undefined) options.runId = runId;
    if (input.retries !== undefined) options.retries = input.retries;
    if (input.instructions !== undefined) options.instructions = input.instructions;
    const handler = this.handler;
    const run = this.prepare(prompt, options, handler);
    let result: AgentRunResult<unknown>;
    if (handler === undefined) {
      result = await run.drive();
    } else {
      // Model events reach the handler live inside the request steps; tool events here, one by one.
      for await (const ev of orderToolEvents(runStreamEventsImpl(run))) {
        if (ev.eventKind === 'function_tool_call' || ev.eventKind === 'function_tool_result') {
          await handler({ deps: run.state.deps as Deps, agentName: this.name }, (async function* () {
            yield ev;
          })());
        }
      }
      result = run.result!;
    }
    const rec: WorkflowRecord = { output: result.output, messages: result.allMessages(), newMessageIndex: result.allMessages().length - result.newMessages().length, usage: usageData(result.usage()) };
    if (result.toolName !== undefined) rec.toolName = result.toolName;
    return rec;
  }

  /**
   * Runs the agent as the DBOS workflow `{name}.run` (a child workflow when called inside
   * one). Set its id with `DBOS.withNextWorkflowID`; start it in the background with
   * `DBOS.startWorkflow`-style APIs on `workflow`. Options are the agent's, as workflow inputs.
   *
   * The run id defaults to the workflow id, so it is the same after a recovery.
   *
   * @throws UserError for options a workflow cannot record: a `model` instance (use the
   *   agent's model, a model name or `override({ model })`), `outputType`, `signal` (cancel
   *   the workflow with `DBOS.cancelWorkflow` instead), `now`, `generateId`, `toolsets`,
   *   `capabilities`, `metadata`, `eventStreamHandler`, function `instructions`. Otherwise what
   *   `Agent.run` throws, revived from the step records after a recovery.
   */
  async run(prompt?: string | readonly UserContent[], options: RunOptions<Deps, Output> = {}): Promise<AgentRunResult<Output>> {
    const input = this.workflowInput(options);
    let rec: WorkflowRecord;
    try {
      rec = await this.runWorkflow.call(undefined, prompt, input);
    } catch (e) {
      throw reviveReplayed(e);
    }
    return DBOSAgent.resultOf<Output>(rec);
  }

  /** The registered `{name}.run` workflow function, for `DBOS.startWorkflow(fn)` and queues. */
  get workflow(): (prompt: string | readonly UserContent[] | undefined, input: WorkflowInput<Deps>) => Promise<WorkflowRecord> {
    return this.runWorkflow;
  }

  /** Converts run options into the workflow's recorded input. @throws UserError as `run`. */
  workflowInput(options: RunOptions<Deps, Output>): WorkflowInput<Deps> {
    const bad: string[] = (['outputType', 'signal', 'now', 'generateId', 'toolsets', 'capabilities', 'metadata', 'eventStreamHandler'] as const).filter((k) => options[k] !== undefined);
    if (options.model !== undefined && typeof options.model !== 'string') bad.push('model');
    if (options.instructions !== undefined && typeof options.instructions !== 'string') bad.push('instructions');
    if (bad.length > 0) {
      throw new UserError(
        `DBOSAgent.run cannot record ${bad.map((k) => `'${k}'`).join(', ')} as workflow input (DBOS stores inputs in PostgreSQL). ` +
          "Give the model at construction, as a name ('openai:gpt-4o') or with dbosAgent.override({ model }); cancel with DBOS.cancelWorkflow instead of a signal; " +
          'set outputType, now, generateId, toolsets, capabilities, metadata and instructions functions on the Agent; pass eventStreamHandler to new DBOSAgent.',
      );
    }
    const input: WorkflowInput<Deps> = {};
    if ('deps' in options) input.deps = options.deps as Deps;
    if (options.messageHistory) input.messageHistory = [...options.messageHistory];
    if (typeof options.model === 'string') input.model = options.model;
    if (options.modelSettings !== undefined) input.modelSettings = options.modelSettings;
    if (options.usageLimits !== undefined) input.usageLimits = limitsData(options.usageLimits);
    if (options.usage !== undefined) input.usage = usageData(options.usage);
    if (options.deferredToolResults !== undefined) input.deferredToolResults = options.deferredToolResults;
    if (options.conversationId !== undefined) input.conversationId = options.conversationId;
    if (options.runId !== undefined) input.runId = options.runId;
    if (options.retries !== undefined) input.retries = options.retries;
    if (typeof options.instructions === 'string') input.instructions = options.instructions;
    return input;
  }

  /** Rebuilds an `AgentRunResult` from a `{name}.run` workflow's recorded output (e.g. `DBOS.retrieveWorkflow(id).getResult()`). */
  static resultOf<O>(rec: WorkflowRecord): AgentRunResult<O> {
    const state = { messages: rec.messages, newMessageIndex: rec.newMessageIndex, usage: new RunUsage(rec.usage) };
    return new AgentRunResult<O>(rec.output as O, state as never, rec.toolName);
  }

  /**
   * Streams a run as `Agent.runStream`. Not a workflow itself: inside your workflow each model
   * request is a `request_stream` step whose events are replayed after the step completes
   * (buffered, as pydantic-ai's durable streaming); outside a workflow it streams live.
   */
  runStream(prompt?: string | readonly UserContent[], options: RunOptions<Deps, Output> = {}): Promise<StreamedRunResult<Output>> {
    return runStreamImpl(this.prepare(prompt, options));
  }

  /** Every event of a run, as `Agent.runStreamEvents`, tool results in call order. Steps as `runStream`. */
  runStreamEvents(prompt?: string | readonly UserContent[], options: RunOptions<Deps, Output> = {}): AsyncIterable<AgentEvent<AgentRunResult<Output>>> {
    return orderToolEvents(runStreamEventsImpl(this.prepare(prompt, options)));
  }

  /** A run to drive node by node, as `Agent.iter`; its model requests are steps inside a workflow. */
  iter(prompt?: string | readonly UserContent[], options: RunOptions<Deps, Output> = {}): AgentRun<Output> {
    return this.prepare(prompt, options);
  }

  /**
   * As `Agent.override`: runs of this durable agent inside `fn` see the overrides. An
   * overriding `model` (e.g. a `TestModel`) is wrapped in the same durable steps, so tests
   * exercise the checkpointing.
   */
  override<T>(overrides: AgentOverrides<Deps>, fn: () => T): T {
    const { model, ...rest } = overrides;
    const outer = this.overrides.getStore();
    const mine = model !== undefined ? { model } : { ...outer };
    return this.overrides.run(mine, () => this.wrapped.override(rest, fn));
  }
}
