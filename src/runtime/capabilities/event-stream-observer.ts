/**
 * The two forms of a `ProcessEventStream` handler (pydantic-ai's
 * `capabilities/process_event_stream.py`):
 * - a processor returns an async iterable: what it yields replaces the stream downstream;
 * - an observer returns a promise (an `async` function that reads the events): it sees every
 *   event while the stream passes through unchanged. Each event waits until the observer asks for
 *   the next one (a slow observer back-pressures the stream); an observer that stops reading
 *   early stops receiving events without affecting the stream; an observer that throws fails
 *   the run.
 *
 * JavaScript runs an `async` function up to its first `await` when it is called, so the form is
 * told from what the call returns; until then the handler's reads wait.
 */

type Handler<E> = (events: AsyncIterable<E>) => AsyncIterable<E> | PromiseLike<unknown> | unknown;

/** Whether `v` is an async iterable (the processor form's return). */
function isAsyncIterable<E>(v: unknown): v is AsyncIterable<E> {
  return typeof v === 'object' && v !== null && typeof (v as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function';
}

/**
 * Runs `handler` over `source` in whichever form it takes; returns the stream consumers see.
 * @throws (from the returned stream) what the source or the handler throws.
 */
export async function* processOrObserve<E>(source: AsyncIterable<E>, handler: Handler<E>): AsyncGenerator<E> {
  const it = source[Symbol.asyncIterator]();
  // The handler's view. Until the form is known (or in the observer form), its reads are served
  // by `offer` below; in the processor form they pull from the source.
  let mode: 'unknown' | 'processor' | 'observer' = 'unknown';
  const waiting: ((r: IteratorResult<E>) => void)[] = [];
  let observerDone = false;
  let closed = false;
  let pulled: (() => void) | undefined;
  const view: AsyncIterable<E> = {
    [Symbol.asyncIterator]: () => ({
      next: (): Promise<IteratorResult<E>> => {
        if (mode === 'processor') return it.next();
        if (closed) return Promise.resolve({ done: true, value: undefined });
        pulled?.();
        pulled = undefined;
        return new Promise((resolve) => waiting.push(resolve));
      },
      return: (): Promise<IteratorResult<E>> => {
        // the handler stopped reading
        if (mode === 'processor') return it.return ? it.return() : Promise.resolve({ done: true, value: undefined });
        observerDone = true;
        pulled?.();
        pulled = undefined;
        return Promise.resolve({ done: true, value: undefined });
      },
    }),
  };
  const returned = handler(view);
  if (isAsyncIterable<E>(returned)) {
    mode = 'processor';
    // reads made before the form was known pull from the source now
    for (const resolve of waiting.splice(0)) void it.next().then(resolve);
    yield* returned;
    return;
  }
  mode = 'observer';
  let failure = undefined as { error: unknown } | undefined;
  let sourceDone = false;
  const finished = Promise.resolve(returned).then(
    () => void (observerDone = true),
    (error: unknown) => {
      observerDone = true;
      failure = { error };
    },
  );
  /** Hands `r` to the observer and waits until it asks for more (or has finished). */
  const offer = async (r: IteratorResult<E>): Promise<void> => {
    if (observerDone) return;
    // wait for the observer's read (or its end)
    while (waiting.length === 0 && !observerDone) await Promise.race([new Promise<void>((resolve) => (pulled = resolve)), finished]);
    if (observerDone) return;
    waiting.shift()!(r);
    if (r.done) return;
    // back-pressure: the event is passed on once the observer wants the next one
    if (waiting.length === 0 && !observerDone) await Promise.race([new Promise<void>((resolve) => (pulled = resolve)), finished]);
  };
  try {
    for (;;) {
      const r = await it.next();
      if (r.done) sourceDone = true;
      await offer(r);
      if (failure) throw failure.error;
      if (r.done) break;
      yield r.value;
    }
    await finished;
    const f = failure as { error: unknown } | undefined;
    if (f) throw f.error;
  } finally {
    // leaving early (the consumer stopped, or the observer failed): end the observer's view
    // too, and close the source — awaited unless the observer failed (a stalled source must not
    // hold its error back; closing is then best-effort)
    closed = true;
    if (!observerDone) for (const resolve of waiting.splice(0)) resolve({ done: true, value: undefined });
    if (!sourceDone && it.return) {
      const closing = it.return();
      if (failure === undefined) await closing;
      else closing.catch(() => undefined);
    }
  }
}
