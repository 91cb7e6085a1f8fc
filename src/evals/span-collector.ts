/**
 * Collects the spans each case produces, keyed by async context so concurrent cases do not
 * mix (pydantic-evals' `_context_in_memory_span_exporter.py`, with `AsyncLocalStorage` where
 * Python uses a ContextVar).
 */
import { performance } from 'node:perf_hooks';
import { context, ProxyTracerProvider, trace, type Context, type TracerProvider } from '@opentelemetry/api';
import type { AsyncLocalStorageContextManager as ContextManagerClass } from '@opentelemetry/context-async-hooks';
import type { BasicTracerProvider, ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { lazyModule } from './lazy.js';
import { SpanTree, SpanTreeRecordingError, type SpanTimes } from './span-tree.js';
import { currentEvalScope, currentTaskRun, runInEvalScope, type TaskRun } from './task-run.js';

// The OpenTelemetry SDK is loaded when evals first need a tracer provider, not at import.
const sdk = lazyModule<{ BasicTracerProvider: typeof BasicTracerProvider }>('@opentelemetry/sdk-trace-base');
const contextHooks = lazyModule<{ AsyncLocalStorageContextManager: typeof ContextManagerClass }>('@opentelemetry/context-async-hooks');

/** A span filed under a collector, with high-resolution start/end times and its start order. */
interface CollectedSpan {
  span: ReadableSpan;
  times: SpanTimes;
  seq: number;
}

interface Collector {
  spans: CollectedSpan[];
}

interface Pending {
  collector: Collector;
  startTimeMs: number;
  seq: number;
}

let startSeq = 0;
const hrNowMs = () => performance.timeOrigin + performance.now();

function treeOf(collector: Collector): SpanTree {
  return spanTreeOf(collector.spans);
}

/**
 * The tree of the spans filed in a scope's `spans` list (see `EvalScope`) by the processor.
 * Sorts the list in place.
 */
export function spanTreeOf(collected: unknown[]): SpanTree {
  if (collected.length === 0) return new SpanTree();
  // start order (the SDK's start times are whole milliseconds when not given, so spans started
  // in the same millisecond would tie); the tree's sort is stable
  const spans = (collected as CollectedSpan[]).sort((a, b) => a.seq - b.seq);
  return SpanTree.fromReadableSpans(
    spans.map((x) => x.span),
    spans.map((x) => x.times),
  );
}

/**
 * A span processor that files each finished span under the collector active (in async
 * context) when the span started.
 *
 * The public way to use it with your own tracer provider is to list it when you build the
 * provider, before running evals:
 * `new BasicTracerProvider({ spanProcessors: [myExporterProcessor, evalSpanProcessor] })`.
 * OpenTelemetry JS 2.x providers have no public method to add a processor later, so when
 * rehearse finds a registered provider without it, `ensureEvalTracing()` falls back to a
 * feature-detected private path (see there). With no provider registered, it installs one.
 */
export class EvalSpanProcessor implements SpanProcessor {
  private readonly owners = new WeakMap<object, Pending>();
  onStart(span: Span, _parentContext: Context): void {
    const spans = currentEvalScope()?.spans as CollectedSpan[] | undefined;
    if (spans) this.owners.set(span, { collector: { spans }, startTimeMs: hrNowMs(), seq: startSeq++ });
  }
  onEnd(span: ReadableSpan): void {
    const pending = this.owners.get(span);
    if (pending) {
      pending.collector.spans.push({ span, times: { startTimeMs: pending.startTimeMs, endTimeMs: hrNowMs() }, seq: pending.seq });
      this.owners.delete(span);
    }
  }
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** The processor rehearse's eval runner collects spans with; add it to your own provider (see `EvalSpanProcessor`). */
export const evalSpanProcessor = new EvalSpanProcessor();

let installedProvider: object | undefined;
const attached = new WeakSet<object>();

/**
 * Adds `evalSpanProcessor` to an SDK provider. Never throws; `false` when it cannot.
 * 1. OpenTelemetry JS 1.x: the public `addSpanProcessor`.
 * 2. OpenTelemetry JS 2.x: `provider._activeSpanProcessor._spanProcessors`, the array its tracers'
 *    multi-processor iterates (private: checked for shape first). When the processor is already
 *    listed (the user passed it to the constructor) nothing changes; otherwise the array is
 *    replaced by a copy with it appended, so the caller's `spanProcessors` option array is not
 *    mutated.
 */
function tryAttach(provider: TracerProvider): boolean {
  if (attached.has(provider)) return true;
  try {
    const p = provider as unknown as {
      addSpanProcessor?: (sp: SpanProcessor) => void;
      _activeSpanProcessor?: { _spanProcessors?: unknown };
    };
    if (typeof p.addSpanProcessor === 'function') {
      p.addSpanProcessor(evalSpanProcessor);
    } else {
      const multi = p._activeSpanProcessor;
      const list = multi?._spanProcessors;
      if (!multi || !Array.isArray(list) || !list.every(isSpanProcessor)) return false;
      if (!list.includes(evalSpanProcessor)) {
        multi._spanProcessors = [...(list as SpanProcessor[]), evalSpanProcessor];
        if (!(multi._spanProcessors as SpanProcessor[]).includes(evalSpanProcessor)) return false;
      }
    }
  } catch {
    return false;
  }
  attached.add(provider);
  return true;
}

function isSpanProcessor(x: unknown): x is SpanProcessor {
  const sp = x as Partial<SpanProcessor> | null;
  return typeof sp === 'object' && sp !== null && typeof sp.onStart === 'function' && typeof sp.onEnd === 'function';
}

/**
 * Makes sure spans can be recorded for eval cases. When no tracer provider is registered, this
 * installs a `BasicTracerProvider` with `evalSpanProcessor` as the global provider (and an
 * `AsyncLocalStorageContextManager` when no context manager is set). When an SDK provider is
 * registered, the processor is attached to it. Returns a `SpanTreeRecordingError` when neither
 * works (e.g. a provider of an unknown kind), in which case cases get no span tree.
 */
export function ensureEvalTracing(): SpanTreeRecordingError | undefined {
  const global = trace.getTracerProvider();
  const delegate = global instanceof ProxyTracerProvider ? global.getDelegate() : global;
  if (installedProvider !== undefined && delegate === installedProvider) return undefined;
  if (tryAttach(delegate)) return undefined;
  if (global instanceof ProxyTracerProvider && delegate.constructor.name === 'NoopTracerProvider') {
    const manager = new (contextHooks().AsyncLocalStorageContextManager)().enable();
    if (!context.setGlobalContextManager(manager)) manager.disable();
    const provider = new (sdk().BasicTracerProvider)({ spanProcessors: [evalSpanProcessor] });
    installedProvider = provider;
    if (trace.setGlobalTracerProvider(provider)) return undefined;
    const again = trace.getTracerProvider();
    const d = again instanceof ProxyTracerProvider ? again.getDelegate() : again;
    if (tryAttach(d)) return undefined;
  }
  return new SpanTreeRecordingError(
    'Spans were not recorded: the registered OpenTelemetry tracer provider does not accept span processors. ' +
      'Add `evalSpanProcessor` (from rehearse/evals) to its `spanProcessors`, or run evals without registering one.',
  );
}

/**
 * Whether the global tracer provider is the one `ensureEvalTracing()` installed (no user
 * provider, so no exporter sees the runner's own spans).
 */
export function ownsEvalTracing(): boolean {
  if (installedProvider === undefined) return false;
  const global = trace.getTracerProvider();
  return (global instanceof ProxyTracerProvider ? global.getDelegate() : global) === installedProvider;
}

/**
 * Runs `fn` and returns its result with the spans started inside it (in its async context)
 * that had finished when `fn` settled, as a `SpanTree`.
 */
export async function collectSpans<T>(fn: () => Promise<T>): Promise<{ result: T; spanTree: SpanTree }> {
  const collector: Collector = { spans: [] };
  const result = await runInEvalScope({ taskRun: currentTaskRun(), spans: collector.spans }, fn);
  return { result, spanTree: treeOf(collector) };
}

/**
 * As `collectSpans`, but never throws: a rejection of `fn` comes back as `{ ok: false, error }`
 * with the spans collected so far. `taskRun`, when given, is the current task run inside `fn` (one
 * async scope for both).
 */
export async function collectSpansSettled<T>(
  fn: () => Promise<T>,
  taskRun?: TaskRun,
): Promise<{ ok: true; result: T; spanTree: SpanTree } | { ok: false; error: unknown; spanTree: SpanTree }> {
  const collector: Collector = { spans: [] };
  try {
    const result = await runInEvalScope({ taskRun: taskRun ?? currentTaskRun(), spans: collector.spans }, fn);
    return { ok: true, result, spanTree: treeOf(collector) };
  } catch (error) {
    return { ok: false, error, spanTree: treeOf(collector) };
  }
}
