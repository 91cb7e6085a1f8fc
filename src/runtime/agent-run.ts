/**
 * `AgentRun` (what `agent.iter` returns) and `AgentRunResult` (what `agent.run` returns).
 */
import { registerRunMessages } from './capture-run-messages.js';
import type { ModelMessage } from './messages.js';
import { CallToolsNode, End, ModelRequestNode, UserPromptNode } from './nodes.js';
import type { AgentNode, GraphRunContext } from './nodes.js';
import type { RunState } from './run-state.js';
import { buildRunContext, throwIfAborted } from './run-state.js';
import { runMetadata } from './run-identity.js';
import { driveWithHooks, runNodeWithHooks } from './run-hooks.js';
import type { RunUsage } from './usage.js';

/** The result of a finished run. */
export class AgentRunResult<O> {
  constructor(
    /** The run's output. */
    readonly output: O,
    private readonly state: RunState<any>,
    /** Output tool that produced the output; `undefined` for text output. */
    readonly toolName?: string,
  ) {}

  /** Id of the run (stamped on its messages). */
  get runId(): string {
    return this.state.runId;
  }
  /** Id of the conversation (stamped on the run's messages). */
  get conversationId(): string {
    return this.state.conversationId;
  }
  /** The run's metadata: the agent's merged with the run's (functions evaluated at the end); `undefined` when none. */
  get metadata(): Record<string, unknown> | undefined {
    return this.state.metadata;
  }

  /** Usage of the whole run (a snapshot). */
  usage(): RunUsage {
    return this.state.usage.clone();
  }
  /** Every message of the run, the given history included (a copy). */
  allMessages(): ModelMessage[] {
    return this.state.messages.slice();
  }
  /** Messages added by this run (after the given history). */
  newMessages(): ModelMessage[] {
    return this.state.messages.slice(this.state.newMessageIndex);
  }
  /** `allMessages()` as a JSON string. */
  allMessagesJson(): string {
    return JSON.stringify(this.state.messages);
  }
  /** `newMessages()` as a JSON string. */
  newMessagesJson(): string {
    return JSON.stringify(this.newMessages());
  }
}

/**
 * A run of an agent's graph, driven node by node. An `AsyncIterable` of nodes; or drive it by
 * hand: `let n = run.nextNode; while (!isEndNode(n)) n = await run.next(n);`. Lazy: nothing
 * runs until it is iterated or `next` is called.
 */
export class AgentRun<O> implements AsyncIterable<AgentNode<O>> {
  private stateValue: RunState<any> | undefined;
  private nextNodeValue: AgentNode<O>;
  private resultValue: AgentRunResult<O> | undefined;
  private failed = false;

  /** @internal */
  constructor(
    prompt: UserPromptNode['userPrompt'],
    private readonly makeState: () => RunState<any>,
  ) {
    this.nextNodeValue = new UserPromptNode(prompt);
  }

  /** @internal The run state, built on first use. */
  get state(): RunState<any> {
    if (this.stateValue === undefined) {
      this.stateValue = this.makeState();
      registerRunMessages(this.stateValue.messages);
      this.stateValue.instrumentation?.start(this.stateValue.model, this.stateValue);
    }
    return this.stateValue;
  }

  /** Handle for `node.stream(run.ctx)`. */
  get ctx(): GraphRunContext {
    return { state: this.state };
  }

  /** The node that `next` should run next. */
  get nextNode(): AgentNode<O> {
    return this.nextNodeValue;
  }

  /** The result once the run reached `End`, else `undefined`. */
  get result(): AgentRunResult<O> | undefined {
    return this.resultValue;
  }

  /** Id of the run. */
  get runId(): string {
    return this.state.runId;
  }
  /** Id of the conversation. */
  get conversationId(): string {
    return this.state.conversationId;
  }
  /** The run's metadata as of now (recomputed when the run ends); `undefined` when none. */
  get metadata(): Record<string, unknown> | undefined {
    return this.state.metadata;
  }

  /** Usage so far. */
  usage(): RunUsage {
    return this.state.usage.clone();
  }
  /** Messages so far (a copy). */
  allMessages(): ModelMessage[] {
    return this.state.messages.slice();
  }
  /** Messages added by this run so far. */
  newMessages(): ModelMessage[] {
    return this.state.messages.slice(this.state.newMessageIndex);
  }

  /**
   * Runs `node` and returns the node after it. At `End`, `result` is set.
   * @throws the run's error (tool errors, `UnexpectedModelBehavior`, `UsageLimitExceeded`, the abort reason...).
   */
  async next(node: AgentNode<O>): Promise<AgentNode<O>> {
    const state = this.state;
    if (node instanceof End) return node;
    const instr = state.instrumentation;
    try {
      throwIfAborted(state);
      const n = node as UserPromptNode | ModelRequestNode | CallToolsNode;
      let next: AgentNode<O>;
      if (state.capability === undefined) {
        next = (instr ? await instr.withAgentContext(() => n.run(state)) : await n.run(state)) as AgentNode<O>;
      } else {
        if (!this.started) {
          this.started = true;
          await state.capability.beforeRun(buildRunContext(state));
        }
        const step = (x: AgentNode<O>) => runNodeWithHooks(state, x, (m) => (m as UserPromptNode | ModelRequestNode | CallToolsNode).run(state)) as Promise<AgentNode<O>>;
        next = instr ? await instr.withAgentContext(() => step(n)) : await step(n);
      }
      this.advance(next);
      return next;
    } catch (e) {
      this.fail(e);
      throw e;
    }
  }

  private started = false;

  /** @internal Records the next node (used by streaming too). */
  advance(next: AgentNode<O>): void {
    this.nextNodeValue = next;
    if (next instanceof End) {
      const state = this.state;
      if (state.metadataSources.length > 0) state.metadata = runMetadata(state);
      this.resultValue = new AgentRunResult<O>(next.data.output, state, next.data.toolName);
      state.instrumentation?.finish({ output: next.data.output, messages: state.messages, usage: state.usage, metadata: state.metadata });
    }
  }

  /** @internal Ends the run's span with an error (once). */
  fail(error: unknown): void {
    if (this.failed || this.stateValue === undefined) return;
    this.failed = true;
    this.stateValue.instrumentation?.finish({ error, messages: this.stateValue.messages, usage: this.stateValue.usage, metadata: this.stateValue.metadata });
  }

  async *[Symbol.asyncIterator](): AsyncIterator<AgentNode<O>> {
    let node = this.nextNodeValue;
    yield node;
    while (!(node instanceof End)) {
      node = await this.next(node);
      yield node;
    }
  }

  /**
   * Drives the run to its end and returns the result: through the capabilities' run hooks
   * (`wrapRun`, `afterRun`, `onRunError`) and the `eventStreamHandler`, when there are any.
   */
  async drive(): Promise<AgentRunResult<O>> {
    const state = this.state;
    if (state.capability === undefined && state.eventStreamHandler === undefined) {
      let node = this.nextNodeValue;
      if (state.instrumentation === undefined) {
        // `next` inlined: one async frame per run rather than one per node
        try {
          while (!(node instanceof End)) {
            throwIfAborted(state);
            node = (await (node as UserPromptNode | ModelRequestNode | CallToolsNode).run(state)) as AgentNode<O>;
            this.advance(node);
          }
        } catch (e) {
          this.fail(e);
          throw e;
        }
        return this.resultValue!;
      }
      while (!(node instanceof End)) node = await this.next(node);
      return this.resultValue!;
    }
    return driveWithHooks(this, state) as Promise<AgentRunResult<O>>;
  }
}
