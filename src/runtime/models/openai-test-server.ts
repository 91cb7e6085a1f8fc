/**
 * Test support (not part of the package): serves canned Chat Completions responses with msw
 * and records the request bodies the SDK sends.
 */
import { http, HttpResponse } from 'msw';
import type { SetupServer } from 'msw/node';

/** The Chat Completions endpoint the default client calls. */
export const CHAT_COMPLETIONS_URL = 'https://api.openai.com/v1/chat/completions';

/** Serves `responses` in order (the last one repeats) and returns the recorded request bodies. */
export function serveJson(server: SetupServer, ...responses: Record<string, unknown>[]): Record<string, unknown>[] {
  const bodies: Record<string, unknown>[] = [];
  server.use(
    http.post(CHAT_COMPLETIONS_URL, async ({ request }) => {
      bodies.push((await request.json()) as Record<string, unknown>);
      return HttpResponse.json(responses[Math.min(bodies.length - 1, responses.length - 1)]!);
    }),
  );
  return bodies;
}

/** Serves `chunks` as one SSE stream (ending with `[DONE]`) and returns the recorded request bodies. */
export function serveSse(server: SetupServer, chunks: Record<string, unknown>[]): Record<string, unknown>[] {
  const bodies: Record<string, unknown>[] = [];
  server.use(
    http.post(CHAT_COMPLETIONS_URL, async ({ request }) => {
      bodies.push((await request.json()) as Record<string, unknown>);
      const text = chunks.map((c) => `data: ${JSON.stringify(c)}\n\n`).join('') + 'data: [DONE]\n\n';
      return new Response(text, { headers: { 'content-type': 'text/event-stream' } });
    }),
  );
  return bodies;
}
