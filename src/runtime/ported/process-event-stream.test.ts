/**
 * Ported from pydantic-ai's tests/test_capability_process_event_stream.py (`TestProcessEventStream`):
 * the observer form (an async function reading the events; the stream passes through unchanged)
 * and the processor form (an async generator whose events replace the stream).
 * Not ported: anyio task/cancel-scope tests (`*_tears_down_the_handler`, `*_in_another_task`),
 * which test Python task affinity that JavaScript promises do not have.
 */
import { describe, expect, it } from 'vitest';
import { AbstractCapability, Agent, ProcessEventStream, type AgentStreamEvent, type NodeStreamEvent, type RunContext } from '../index.js';
import { FunctionModel } from '../../testing/index.js';

/** pydantic-ai's `simple_model_function` / `simple_stream_function` (capability_models.py). */
const simpleModel = () =>
  new FunctionModel(() => [{ partKind: 'text', content: 'response from model' }], {
    stream: async function* () {
      yield 'response ';
      yield 'from ';
      yield 'model';
    },
  });

const kinds = (events: readonly { eventKind: string }[]) => events.map((e) => e.eventKind);

describe('ProcessEventStream (tests/test_capability_process_event_stream.py)', () => {
  it('test_handler_receives_events: an observer registered as a capability drives streaming and sees the events', async () => {
    const seen: NodeStreamEvent[] = [];
    const agent = new Agent({
      model: simpleModel(),
      capabilities: [
        new ProcessEventStream({
          handler: async (_ctx, stream) => {
            for await (const e of stream) seen.push(e);
          },
        }),
      ],
    });
    const result = await agent.run('hello');
    expect(result.output).toBe('response from model');
    expect(kinds(seen)).toContain('part_start');
  });

  it('test_multiple_handlers_and_param_all_observe: two observers and eventStreamHandler see the same events', async () => {
    const a: NodeStreamEvent[] = [];
    const b: NodeStreamEvent[] = [];
    const p: AgentStreamEvent[] = [];
    const observe = (into: unknown[]) => async (_ctx: RunContext<unknown>, stream: AsyncIterable<NodeStreamEvent>) => {
      for await (const e of stream) into.push(e);
    };
    const agent = new Agent({ model: simpleModel(), capabilities: [new ProcessEventStream({ handler: observe(a) }), new ProcessEventStream(observe(b))] });
    await agent.run('hello', { eventStreamHandler: observe(p) as never });
    expect(a.length).toBeGreaterThan(0);
    expect(a).toEqual(b);
    expect(b).toEqual(p);
  });

  it('test_handler_sees_events_after_inner_wrappers: the observer sees what inner wrapRunEventStream wrappers yield', async () => {
    const inner: NodeStreamEvent[] = [];
    const seen: NodeStreamEvent[] = [];
    class InnerWrapper extends AbstractCapability {
      override async *wrapRunEventStream(_ctx: RunContext<unknown>, args: { stream: AsyncIterable<NodeStreamEvent> }): AsyncIterable<NodeStreamEvent> {
        for await (const e of args.stream) {
          inner.push(e);
          yield e;
        }
      }
    }
    const agent = new Agent({
      model: simpleModel(),
      capabilities: [
        new ProcessEventStream(async (_ctx, stream) => {
          for await (const e of stream) seen.push(e);
        }),
        new InnerWrapper(),
      ],
    });
    await agent.run('hello');
    expect(seen.length).toBeGreaterThan(0);
    expect(seen).toEqual(inner);
  });

  it('test_transformer_handler_replaces_stream: a processor drops part_start events for everything downstream', async () => {
    const downstream: NodeStreamEvent[] = [];
    const agent = new Agent({
      model: simpleModel(),
      capabilities: [
        new ProcessEventStream({
          handler: async function* (_ctx, stream) {
            for await (const e of stream) if (e.eventKind !== 'part_start') yield e;
          },
        }),
      ],
    });
    const result = await agent.run('hello', {
      eventStreamHandler: async (_ctx, stream) => {
        for await (const e of stream) downstream.push(e);
      },
    });
    expect(downstream.length).toBeGreaterThan(0);
    expect(kinds(downstream)).not.toContain('part_start');
    expect(result.output).toBe('response from model');
  });

  it('test_callable_instance_processor: a processor that is a method of an object is told by what it returns', async () => {
    const captured: NodeStreamEvent[] = [];
    class Transformer {
      async *call(_ctx: RunContext<unknown>, stream: AsyncIterable<NodeStreamEvent>): AsyncIterable<NodeStreamEvent> {
        for await (const e of stream) {
          captured.push(e);
          yield e;
        }
      }
    }
    const t = new Transformer();
    await new Agent({ model: simpleModel(), capabilities: [new ProcessEventStream((ctx, s) => t.call(ctx, s))] }).run('hello');
    expect(kinds(captured)).toContain('part_start');
  });

  it('test_observer_bailout_does_not_break_downstream: an observer that stops early leaves the stream whole', async () => {
    const observed: NodeStreamEvent[] = [];
    const downstream: NodeStreamEvent[] = [];
    const agent = new Agent({
      model: simpleModel(),
      capabilities: [
        new ProcessEventStream(async (_ctx, stream) => {
          for await (const e of stream) {
            observed.push(e);
            return;
          }
        }),
      ],
    });
    const result = await agent.run('hello', {
      eventStreamHandler: async (_ctx, stream) => {
        for await (const e of stream) downstream.push(e);
      },
    });
    expect(observed).toHaveLength(1);
    expect(downstream.length).toBeGreaterThan(1);
    expect(result.output).toBe('response from model');
  });

  it('a failing observer fails the run with its error', async () => {
    class ObserverError extends Error {}
    const agent = new Agent({
      model: simpleModel(),
      capabilities: [
        new ProcessEventStream(async (_ctx, stream) => {
          for await (const _e of stream) throw new ObserverError('observer boom');
        }),
      ],
    });
    await expect(agent.run('hello')).rejects.toThrow(ObserverError);
  });

  it('test_failing_observer_interrupts_stalled_stream: the error does not wait for a stalled source', async () => {
    class ObserverError extends Error {}
    const capability = new ProcessEventStream(async (_ctx, stream) => {
      for await (const _e of stream) throw new ObserverError('observer boom');
    });
    let timer: NodeJS.Timeout | undefined;
    async function* stalled(): AsyncGenerator<NodeStreamEvent> {
      yield { eventKind: 'part_start', index: 0, part: { partKind: 'text', content: 'hi' } } as NodeStreamEvent;
      await new Promise((resolve) => (timer = setTimeout(resolve, 30_000)));
    }
    const consume = async () => {
      for await (const _e of capability.wrapRunEventStream({} as RunContext<unknown>, { stream: stalled() })) {
        // drained
      }
    };
    const t0 = performance.now();
    await expect(consume()).rejects.toThrow('observer boom');
    clearTimeout(timer);
    expect(performance.now() - t0).toBeLessThan(5_000);
  });

  it('an observer sees each event before the consumer gets it (back-pressure), and sees the end', async () => {
    const log: string[] = [];
    const capability = new ProcessEventStream(async (_ctx, stream) => {
      for await (const e of stream) log.push(`observer:${(e as { index: number }).index}`);
      log.push('observer:end');
    });
    async function* source(): AsyncGenerator<NodeStreamEvent> {
      for (let i = 0; i < 3; i++) yield { eventKind: 'part_start', index: i, part: { partKind: 'text', content: `${i}` } } as NodeStreamEvent;
    }
    for await (const e of capability.wrapRunEventStream({} as RunContext<unknown>, { stream: source() })) log.push(`consumer:${(e as { index: number }).index}`);
    expect(log).toEqual(['observer:0', 'consumer:0', 'observer:1', 'consumer:1', 'observer:2', 'consumer:2', 'observer:end']);
  });
});
