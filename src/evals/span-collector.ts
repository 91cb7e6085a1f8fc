/**
 * Collects the spans each case produces, keyed by async context so concurrent cases do not
 * mix (pydantic-evals' `_context_in_memory_span_exporter.py`, with `AsyncLocalStorage` where
 * Python uses a ContextVar).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { context, ProxyTracerProvider, trace, type Context, type TracerProvider } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, type ReadableSpan, type Span, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { SpanTree, SpanTreeRecordingError } from './span-tree.js';

interface Collector {
  spans: ReadableSpan[];
}

const collectorStorage = new AsyncLocalStorage<Collector>();

/**
 * A span processor that files each finished span under the collector active (in async
 * context) when the span started. Add it to your own tracer provider with
 * `new BasicTracerProvider({ spanProcessors: [evalSpanProcessor] })` if you register one
 * before running evals; otherwise `ensureEvalTracing()` installs a provider with it.
 */
export class EvalSpanProcessor implements SpanProcessor {
  private readonly owners = new WeakMap<object, Collector>();
  onStart(span: Span, _parentContext: Context): void {
    const collector = collectorStorage.getStore();
    if (collector) this.owners.set(span, collector);
  }
  onEnd(span: ReadableSpan): void {
    const collector = this.owners.get(span);
    if (collector) {
      collector.spans.push(span);
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

/** The processor rehearse's eval runner collects spans with. */
export const evalSpanProcessor = new EvalSpanProcessor();

let installedProvider: BasicTracerProvider | undefined;
const attached = new WeakSet<object>();

function tryAttach(provider: TracerProvider): boolean {
  if (attached.has(provider)) return true;
  const p = provider as unknown as {
    addSpanProcessor?: (sp: SpanProcessor) => void;
    _activeSpanProcessor?: { _spanProcessors?: SpanProcessor[] };
  };
  if (typeof p.addSpanProcessor === 'function') {
    p.addSpanProcessor(evalSpanProcessor);
  } else if (Array.isArray(p._activeSpanProcessor?._spanProcessors)) {
    // OpenTelemetry JS 2.x has no public way to add a processor after construction.
    if (!p._activeSpanProcessor._spanProcessors.includes(evalSpanProcessor)) {
      p._activeSpanProcessor._spanProcessors.push(evalSpanProcessor);
    }
  } else {
    return false;
  }
  attached.add(provider);
  return true;
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
    const manager = new AsyncLocalStorageContextManager().enable();
    if (!context.setGlobalContextManager(manager)) manager.disable();
    installedProvider = new BasicTracerProvider({ spanProcessors: [evalSpanProcessor] });
    if (trace.setGlobalTracerProvider(installedProvider)) return undefined;
    const again = trace.getTracerProvider();
    const d = again instanceof ProxyTracerProvider ? again.getDelegate() : again;
    if (tryAttach(d)) return undefined;
  }
  return new SpanTreeRecordingError(
    'Spans were not recorded: the registered OpenTelemetry tracer provider does not accept span processors. ' +
      'Add `evalSpanProcessor` to your provider, or run evals without registering one.',
  );
}

/**
 * Runs `fn` and returns its result with the spans started inside it (in its async context)
 * that had finished when `fn` settled, as a `SpanTree`.
 */
export async function collectSpans<T>(fn: () => Promise<T>): Promise<{ result: T; spanTree: SpanTree }> {
  const collector: Collector = { spans: [] };
  const result = await collectorStorage.run(collector, fn);
  return { result, spanTree: SpanTree.fromReadableSpans(collector.spans) };
}

/**
 * As `collectSpans`, but never throws: a rejection of `fn` comes back as `{ ok: false, error }`
 * with the spans collected so far.
 */
export async function collectSpansSettled<T>(
  fn: () => Promise<T>,
): Promise<{ ok: true; result: T; spanTree: SpanTree } | { ok: false; error: unknown; spanTree: SpanTree }> {
  const collector: Collector = { spans: [] };
  try {
    const result = await collectorStorage.run(collector, fn);
    return { ok: true, result, spanTree: SpanTree.fromReadableSpans(collector.spans) };
  } catch (error) {
    return { ok: false, error, spanTree: SpanTree.fromReadableSpans(collector.spans) };
  }
}
