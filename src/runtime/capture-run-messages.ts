/**
 * `captureRunMessages`: see the messages of a run even when it fails (pydantic-ai's
 * `capture_run_messages`). Lives in the runtime because the agent loop fills it;
 * `rehearse/testing` re-exports it.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { ModelMessage } from './messages.js';

interface CaptureSlot { messages: ModelMessage[] | undefined }
const captureStore = new AsyncLocalStorage<CaptureSlot>();

/** Called by the agent loop when a run starts: the innermost open capture without a run takes this run's live message list. */
export function registerRunMessages(messages: ModelMessage[]): void {
  const slot = captureStore.getStore();
  if (slot !== undefined && slot.messages === undefined) slot.messages = messages;
}

/**
 * An error thrown inside `captureRunMessages`, wrapped so the messages captured before the
 * failure travel with it. `cause` is the original error; `messages` the captured history.
 */
export class CapturedRunError extends Error {
  override readonly name = 'CapturedRunError' as const;
  readonly messages: ModelMessage[];
  constructor(cause: unknown, messages: ModelMessage[]) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.messages = messages;
  }
}

/**
 * Runs `fn` and returns its result with the messages of the first agent run started inside
 * it (filled live, so they are there even if the run fails). Nested captures: the innermost
 * wins.
 *
 * @returns `{ result, messages }`; `messages` is `[]` when no run started.
 * @throws the error `fn` threw, unchanged, with a `messages` property added (the captured
 *   history) when the error is an object that can take one; a non-object thrown value is wrapped
 *   in `CapturedRunError` (whose `cause` is the value).
 */
export async function captureRunMessages<T>(fn: () => T | Promise<T>): Promise<{ result: T; messages: ModelMessage[] }> {
  const slot: CaptureSlot = { messages: undefined };
  try {
    const result = await captureStore.run(slot, fn);
    return { result, messages: slot.messages ?? [] };
  } catch (err) {
    const messages = slot.messages ?? [];
    if (typeof err === 'object' && err !== null && Object.isExtensible(err)) {
      Object.defineProperty(err, 'messages', { value: messages, enumerable: false, configurable: true, writable: true });
      throw err;
    }
    throw new CapturedRunError(err, messages);
  }
}
