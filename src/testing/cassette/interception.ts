/**
 * The one HTTP interception layer shared by all active cassettes: `@mswjs/interceptors`
 * (fetch and node:http/https), loaded on first use, applied while at least one cassette is
 * active (reference-counted) and dispatching each request to the cassette of the async context
 * that made it ({@link routedCassette}). A request made outside every cassette's context goes to
 * the network untouched.
 */
import type { BatchInterceptor, RequestController } from '@mswjs/interceptors';
import type { ClientRequestInterceptor } from '@mswjs/interceptors/ClientRequest';
import type { FetchInterceptor } from '@mswjs/interceptors/fetch';
import { sharedInstall, type SharedInstall } from './ref-count.js';
import { routedCassette, type RoutedCassette } from './routing.js';

/** A cassette as the interception layer calls it. */
export interface InterceptingCassette extends RoutedCassette {
  /**
   * Answers an intercepted request (`controller.respondWith`) or lets it pass to the network;
   * returns `true` when it passed it on and wants its response.
   */
  onRequest(args: { request: Request; requestId: string; controller: RequestController }): Promise<boolean>;
  /** Receives the live response of a request it passed on (recording). */
  onResponse(args: { response: Response; requestId: string }): void;
}

type Interceptors = BatchInterceptor<[ClientRequestInterceptor, FetchInterceptor]>;
type ResponseListener = (args: { response: Response; requestId: string; isMockedResponse: boolean }) => void;

let interceptor: Interceptors | undefined;
let loading: Promise<Interceptors> | undefined;
let refs = 0;
/** Requests passed on by a recording cassette, awaiting their response. */
const awaitingResponse = new Map<string, InterceptingCassette>();
/** The response listener, on while a recording cassette is active. */
let responses: SharedInstall | undefined;

async function load(): Promise<Interceptors> {
  const [{ BatchInterceptor }, { ClientRequestInterceptor }, { FetchInterceptor }] = await Promise.all([
    import('@mswjs/interceptors'),
    import('@mswjs/interceptors/ClientRequest'),
    import('@mswjs/interceptors/fetch'),
  ]);
  const batch = new BatchInterceptor({
    name: 'rehearse-cassette',
    interceptors: [new ClientRequestInterceptor(), new FetchInterceptor()] as [ClientRequestInterceptor, FetchInterceptor],
  });
  batch.on('request', async ({ request, requestId, controller }) => {
    const cassette = routedCassette() as InterceptingCassette | undefined;
    if (cassette === undefined || cassette.isPassthrough(new URL(request.url))) return;
    if (await cassette.onRequest({ request, requestId, controller })) awaitingResponse.set(requestId, cassette);
  });
  return batch;
}

// Only recording cassettes listen for responses: with a listener msw clones every body.
const onResponse: ResponseListener = ({ response, requestId, isMockedResponse }) => {
  // msw hands this listener a tee'd clone of the body; a tee's cancel settles only when both
  // branches are cancelled, so an unread clone of a replayed response would make the client's
  // `body.cancel()` (the openai SDK's, before a retry) hang forever.
  if (isMockedResponse) {
    void response.body?.cancel().catch(() => undefined);
    return;
  }
  const cassette = awaitingResponse.get(requestId);
  if (cassette === undefined) return;
  awaitingResponse.delete(requestId);
  cassette.onResponse({ response, requestId });
};

/**
 * Applies the interception layer for one more cassette (loading `@mswjs/interceptors` on first
 * use). `records`: the cassette records, so responses are listened to while it is active.
 * @returns the release function; the layer is disposed when the last cassette releases it.
 */
export async function acquireInterception(options: { records: boolean }): Promise<() => void> {
  const pending = (loading ??= load());
  const batch = await pending;
  // the last cassette may have released (and disposed) the layer while this one waited
  if (pending !== loading) return acquireInterception(options);
  refs += 1;
  if (refs === 1) {
    batch.apply();
    interceptor = batch;
  }
  responses ??= sharedInstall(() => {
    batch.on('response', onResponse);
    return () => void batch.off('response', onResponse);
  });
  const stopListening = options.records ? responses.acquire() : undefined;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    stopListening?.();
    refs -= 1;
    if (refs === 0) {
      batch.dispose();
      interceptor = undefined;
      // a disposed interceptor cannot be applied again: the next cassette builds a new one
      loading = undefined;
      responses = undefined;
      awaitingResponse.clear();
    }
  };
}

/** Whether the interception layer is applied (some cassette is active). For tests. */
export function interceptionActive(): boolean {
  return interceptor !== undefined;
}
