/**
 * Native tools on `OpenAIChatModel` (pydantic-ai's chat mapping): `WebSearchTool` →
 * `web_search_options` on `-search-preview` models, `UserError` elsewhere and for other native
 * tools; request bodies seen through the real `openai` SDK with msw.
 */
import fc from 'fast-check';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { serveJson, serveSse as serveSseOn } from './openai-test-server.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../errors.js';
import type { ModelMessage } from '../messages.js';
import type { ModelRequestParameters } from '../model.js';
import type { NativeTool } from '../native-tools.js';
import { WebSearchTool } from '../native-tools.js';
import { withAllowModelRequests } from '../request-guard.js';
import { Agent } from '../index.js';
import { OpenAIChatModel, openaiModelProfile } from './openai.js';
import { chatWebSearchOptions } from './openai-native-tools.js';

const URL = 'https://api.openai.com/v1/chat/completions';
const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const user: ModelMessage = { kind: 'request', parts: [{ partKind: 'user-prompt', content: 'What day is today?', timestamp: '2025-01-01T00:00:00.000Z' }] };
const params = (nativeTools?: NativeTool[]): ModelRequestParameters => ({
  functionTools: [],
  outputTools: [],
  allowTextOutput: true,
  ...(nativeTools ? { nativeTools } : {}),
});
const searchModel = (options: ConstructorParameters<typeof OpenAIChatModel>[1] = {}) =>
  new OpenAIChatModel('gpt-4o-search-preview', { apiKey: 'sk-test', maxRetries: 0, ...options });
const allowed = <T>(fn: () => Promise<T>) => withAllowModelRequests(true, fn);

function completion(message: Record<string, unknown>): Record<string, unknown> {
  return {
    id: 'chatcmpl-1',
    object: 'chat.completion',
    created: 1747227087,
    model: 'gpt-4o-search-preview-2025-03-11',
    choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', refusal: null, annotations: [], ...message } }],
    usage: { prompt_tokens: 11, completion_tokens: 17, total_tokens: 28 },
  };
}

/** Serves `body` to every request and records the request bodies. */
function serve(body: Record<string, unknown> = completion({ content: 'May 14, 2025' })): Record<string, unknown>[] {
  return serveJson(server, body);
}

function serveSse(): Record<string, unknown>[] {
  const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
    id: 'chatcmpl-2',
    object: 'chat.completion.chunk',
    created: 1747227087,
    model: 'gpt-4o-search-preview-2025-03-11',
    choices: [{ index: 0, delta, finish_reason: finish }],
  });
  const chunks = [chunk({ role: 'assistant', content: 'May ' }), chunk({ content: '14' }), chunk({}, 'stop')];
  return serveSseOn(server, chunks);
}

const NOT_SUPPORTED = /^WebSearchTool is not supported with `OpenAIChatModel` and model 'gpt-4o'\. /;

describe('OpenAIChatModel: WebSearchTool → web_search_options', () => {
  it('sends the search context size (default medium) and no tools', async () => {
    const bodies = serve();
    const r = await allowed(() => searchModel().request([user], undefined, params([WebSearchTool()])));
    expect(bodies[0]).toEqual({
      model: 'gpt-4o-search-preview',
      messages: [{ role: 'user', content: 'What day is today?' }],
      stream: false,
      web_search_options: { search_context_size: 'medium' },
    });
    expect(r.parts).toEqual([{ partKind: 'text', content: 'May 14, 2025' }]);
  });

  it('sends userLocation as an approximate user_location; domains and maxUses are ignored (Chat Completions has no such fields)', async () => {
    const bodies = serve();
    const tool = WebSearchTool({
      searchContextSize: 'high',
      userLocation: { city: 'Utrecht', country: 'NL' },
      blockedDomains: ['example.com'],
      allowedDomains: ['knmi.nl'],
      maxUses: 2,
    });
    await allowed(() => searchModel().request([user], undefined, params([tool])));
    expect(bodies[0]?.['web_search_options']).toEqual({
      search_context_size: 'high',
      user_location: { type: 'approximate', approximate: { city: 'Utrecht', country: 'NL' } },
    });
    expect(JSON.stringify(bodies[0])).not.toMatch(/example\.com|knmi\.nl|max_uses|domains/);
  });

  it('omits user_location when userLocation has no keys', async () => {
    const bodies = serve();
    await allowed(() => searchModel().request([user], undefined, params([WebSearchTool({ searchContextSize: 'low', userLocation: {} })])));
    expect(bodies[0]?.['web_search_options']).toEqual({ search_context_size: 'low' });
  });

  it('sends no web_search_options without native tools (also for an empty list)', async () => {
    const bodies = serve();
    await allowed(() => searchModel().request([user], undefined, params()));
    await allowed(() => searchModel().request([user], undefined, params([])));
    expect(bodies.map((b) => 'web_search_options' in b)).toEqual([false, false]);
  });

  it('keeps the last of several web search tools (pydantic-ai dedups native tools by id)', async () => {
    const bodies = serve();
    await allowed(() => searchModel().request([user], undefined, params([WebSearchTool({ searchContextSize: 'low' }), WebSearchTool({ searchContextSize: 'high' })])));
    expect(bodies[0]?.['web_search_options']).toEqual({ search_context_size: 'high' });
  });

  it('streams with web_search_options too', async () => {
    const bodies = serveSse();
    const stream = await allowed(async () => {
      const s = searchModel().requestStream([user], undefined, params([WebSearchTool({ searchContextSize: 'low' })]));
      for await (const _ of s) void _;
      return s;
    });
    expect(bodies[0]).toMatchObject({ stream: true, web_search_options: { search_context_size: 'low' } });
    expect(stream.get().parts).toEqual([{ partKind: 'text', content: 'May 14' }]);
  });

  it('leaves url_citation annotations out of the response, as pydantic-ai chat does', async () => {
    const annotations = [{ type: 'url_citation', url_citation: { url: 'https://example.com/', title: 'Example', start_index: 0, end_index: 6 } }];
    serve(completion({ content: 'May 14', annotations }));
    const r = await allowed(() => searchModel().request([user], undefined, params([WebSearchTool()])));
    expect(r.parts).toEqual([{ partKind: 'text', content: 'May 14' }]);
    expect(r.providerDetails).toEqual({ finish_reason: 'stop' });
  });
});

describe('OpenAIChatModel: unsupported native tools', () => {
  it('rejects WebSearchTool on a model without chat web search, before any HTTP request', async () => {
    const bodies = serve();
    const model = new OpenAIChatModel('gpt-4o', { apiKey: 'sk-test', maxRetries: 0 });
    const run = allowed(() => model.request([user], undefined, params([WebSearchTool({ searchContextSize: 'low' })])));
    await expect(run).rejects.toThrow(UserError);
    await expect(run).rejects.toThrow(NOT_SUPPORTED);
    expect(() => withAllowModelRequests(true, () => model.requestStream([user], undefined, params([WebSearchTool()])))).toThrow(NOT_SUPPORTED);
    expect(bodies).toEqual([]);
  });

  it('the profile decides: chatSupportsWebSearch turns web search on or off', async () => {
    const bodies = serve();
    const custom = new OpenAIChatModel('my-search-model', { apiKey: 'sk-test', maxRetries: 0, profile: { chatSupportsWebSearch: true } });
    await allowed(() => custom.request([user], undefined, params([WebSearchTool()])));
    expect(bodies[0]?.['web_search_options']).toEqual({ search_context_size: 'medium' });
    const off = searchModel({ profile: { chatSupportsWebSearch: false } });
    await expect(allowed(() => off.request([user], undefined, params([WebSearchTool()])))).rejects.toThrow(
      /WebSearchTool is not supported with `OpenAIChatModel` and model 'gpt-4o-search-preview'/,
    );
    expect(openaiModelProfile('gpt-4o-mini-search-preview').chatSupportsWebSearch).toBe(true);
    expect(openaiModelProfile('gpt-4o').chatSupportsWebSearch).toBeUndefined();
    expect(new OpenAIChatModel('gpt-4o', { apiKey: 'sk-test' }).profile.chatSupportsWebSearch).toBe(false);
  });

  it('rejects a native tool kind Chat Completions cannot run, naming it and what is supported', async () => {
    serve();
    const codeExecution = { kind: 'code_execution' } as unknown as NativeTool;
    await expect(allowed(() => searchModel().request([user], undefined, params([codeExecution])))).rejects.toThrow(
      "Native tool(s) ['code_execution'] not supported by this model. Supported: ['WebSearchTool'].",
    );
    // on a model without web search, a web search tool is reported first (as pydantic-ai checks it first)
    const plain = new OpenAIChatModel('gpt-4o', { apiKey: 'sk-test', maxRetries: 0 });
    await expect(allowed(() => plain.request([user], undefined, params([codeExecution, WebSearchTool()])))).rejects.toThrow(NOT_SUPPORTED);
    await expect(allowed(() => plain.request([user], undefined, params([codeExecution])))).rejects.toThrow(
      "Native tool(s) ['code_execution'] not supported by this model. Supported: [].",
    );
  });
});

describe('Agent({ nativeTools }) with OpenAIChatModel', () => {
  it('sends the agent-level web search tool on each request', async () => {
    const bodies = serve(completion({ content: 'May 14, 2025, 8:51:29 AM ' }));
    const agent = new Agent({ model: searchModel(), instructions: 'You are a helpful assistant.', nativeTools: [WebSearchTool({ searchContextSize: 'low' })] });
    const result = await allowed(() => agent.run('What day is today?'));
    expect(result.output).toBe('May 14, 2025, 8:51:29 AM ');
    expect(bodies).toEqual([
      {
        model: 'gpt-4o-search-preview',
        messages: [
          { role: 'system', content: 'You are a helpful assistant.' },
          { role: 'user', content: 'What day is today?' },
        ],
        stream: false,
        web_search_options: { search_context_size: 'low' },
      },
    ]);
  });

  it('fails the run with UserError on gpt-4o (pydantic-ai test_openai_web_search_tool_model_not_supported)', async () => {
    const bodies = serve();
    const agent = new Agent({ model: new OpenAIChatModel('gpt-4o', { apiKey: 'sk-test' }), nativeTools: [WebSearchTool({ searchContextSize: 'low' })] });
    await expect(allowed(() => agent.run('What day is today?'))).rejects.toThrow(NOT_SUPPORTED);
    const stream = allowed(async () => {
      const s = await agent.runStream('What day is today?');
      return s.getOutput();
    });
    await expect(stream).rejects.toThrow(NOT_SUPPORTED);
    expect(bodies).toEqual([]);
  });
});

describe('chatWebSearchOptions', () => {
  const location = fc.record(
    { city: fc.string(), country: fc.string(), region: fc.string(), timezone: fc.string() },
    { requiredKeys: [] },
  );
  const tool = fc.record({
    searchContextSize: fc.constantFrom('low' as const, 'medium' as const, 'high' as const),
    userLocation: fc.option(location, { nil: undefined }),
    blockedDomains: fc.option(fc.array(fc.domain()), { nil: undefined }),
    allowedDomains: fc.option(fc.array(fc.domain()), { nil: undefined }),
    maxUses: fc.option(fc.nat(), { nil: undefined }),
  });

  it('maps any web search tool to its context size and (non-empty) location only', () => {
    fc.assert(
      fc.property(tool, (t) => {
        const options = { ...(t.userLocation ? { userLocation: t.userLocation } : {}) };
        const wst = WebSearchTool({
          searchContextSize: t.searchContextSize,
          ...options,
          ...(t.blockedDomains ? { blockedDomains: t.blockedDomains } : {}),
          ...(t.allowedDomains ? { allowedDomains: t.allowedDomains } : {}),
          ...(t.maxUses !== undefined ? { maxUses: t.maxUses } : {}),
        });
        const out = chatWebSearchOptions([wst], { modelName: 'm', supportsWebSearch: true });
        const hasLocation = t.userLocation !== undefined && Object.keys(t.userLocation).length > 0;
        expect(out).toEqual({
          search_context_size: t.searchContextSize,
          ...(hasLocation ? { user_location: { type: 'approximate', approximate: t.userLocation } } : {}),
        });
        // never throws for web search on a supporting model; always throws on one without
        expect(() => chatWebSearchOptions([wst], { modelName: 'm', supportsWebSearch: false })).toThrow(UserError);
      }),
    );
  });

  it('returns undefined for no native tools, whatever the model supports', () => {
    for (const supportsWebSearch of [true, false]) {
      expect(chatWebSearchOptions(undefined, { modelName: 'm', supportsWebSearch })).toBeUndefined();
      expect(chatWebSearchOptions([], { modelName: 'm', supportsWebSearch })).toBeUndefined();
    }
  });
});
