/**
 * A small fake OpenAI Chat Completions server on 127.0.0.1 for cassette tests and benches:
 * JSON answers, SSE streams written chunk by chunk, optional gzip, or a custom handler.
 * Not exported from the package.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';

/** What a handler gets: the parsed JSON body (or raw text) and the request. */
export interface FakeRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: unknown;
  text: string;
}

/** A started fake server. */
export interface FakeOpenAIServer {
  /** `http://127.0.0.1:<port>/v1` — pass as the SDK's `baseURL`. */
  baseURL: string;
  /** Requests seen, in order. */
  requests: FakeRequest[];
  close(): Promise<void>;
}

/** A custom response: JSON, raw SSE text split into `chunks` (byte arrays or strings), with optional gzip. */
export type FakeResponder = (req: FakeRequest, res: ServerResponse) => void | Promise<void>;

/** Default chat completion for a request: echoes the last user message. */
export function fakeCompletion(body: { model?: string; messages?: { content?: unknown }[] }, n: number): Record<string, unknown> {
  const last = body.messages?.[body.messages.length - 1]?.content;
  return {
    id: `chatcmpl-fake-${n}`,
    object: 'chat.completion',
    created: 1_700_000_000 + n,
    model: body.model ?? 'gpt-4o',
    choices: [{ index: 0, message: { role: 'assistant', content: `echo: ${String(last)}`, refusal: null }, finish_reason: 'stop', logprobs: null }],
    usage: { prompt_tokens: 10, completion_tokens: 3, total_tokens: 13 },
  };
}

/** Default streamed chunks for a request: the echo split into words, then usage, then [DONE]. */
export function fakeStreamChunks(body: { model?: string; messages?: { content?: unknown }[] }, n: number): string[] {
  const last = String(body.messages?.[body.messages.length - 1]?.content);
  const words = `echo: ${last}`.split(/(?<= )/);
  const base = { id: `chatcmpl-fake-${n}`, object: 'chat.completion.chunk', created: 1_700_000_000 + n, model: body.model ?? 'gpt-4o' };
  const chunks = [
    { ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] },
    ...words.map((w) => ({ ...base, choices: [{ index: 0, delta: { content: w }, finish_reason: null }] })),
    { ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] },
    { ...base, choices: [], usage: { prompt_tokens: 10, completion_tokens: words.length, total_tokens: 10 + words.length } },
  ];
  return [...chunks.map((c) => `data: ${JSON.stringify(c)}\n\n`), 'data: [DONE]\n\n'];
}

async function readBody(req: IncomingMessage): Promise<string> {
  const parts: Uint8Array[] = [];
  for await (const c of req) parts.push(c as Uint8Array);
  return Buffer.concat(parts).toString('utf8');
}

/**
 * Starts the server. Default behaviour: JSON completion, or an SSE stream when `stream: true`
 * (chunks written `chunkDelayMs` apart, default 5). `gzip: true` gzips JSON answers.
 */
export async function startFakeOpenAIServer(options?: { respond?: FakeResponder; gzip?: boolean; chunkDelayMs?: number }): Promise<FakeOpenAIServer> {
  const requests: FakeRequest[] = [];
  const server: Server = createServer((req, res) => {
    void (async () => {
      const text = await readBody(req);
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        /* keep text */
      }
      const fr: FakeRequest = { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body, text };
      requests.push(fr);
      if (options?.respond) {
        await options.respond(fr, res);
        return;
      }
      const b = (typeof body === 'object' && body !== null ? body : {}) as { stream?: boolean; model?: string; messages?: { content?: unknown }[] };
      if (b.stream) {
        res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'x-request-id': `req_${requests.length}` });
        for (const chunk of fakeStreamChunks(b, requests.length)) {
          res.write(chunk);
          await new Promise((r) => setTimeout(r, options?.chunkDelayMs ?? 5));
        }
        res.end();
        return;
      }
      const json = JSON.stringify(fakeCompletion(b, requests.length));
      if (options?.gzip) {
        const gz = gzipSync(json);
        res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': String(gz.length) });
        res.end(gz);
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': `req_${requests.length}`, 'set-cookie': '__cf_bm=secretcookie; path=/' });
      res.end(json);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
