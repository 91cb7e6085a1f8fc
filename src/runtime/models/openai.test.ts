import { APIConnectionTimeoutError, RateLimitError } from 'openai';
import { HttpResponse, delay, http } from 'msw';
import { describe, expect, it, vi } from 'vitest';
import { ModelAPIError, ModelHTTPError, ModelRequestsDisallowed, UserError } from '../errors.js';
import { inferModel } from '../infer-model.js';
import type { ModelMessage, ModelRequest, ModelResponse } from '../messages.js';
import { BinaryContent, DocumentUrl, ImageUrl } from '../messages.js';
import type { ToolDefinition } from '../model.js';
import { withAllowModelRequests } from '../request-guard.js';
import { OpenAIChatModel } from './openai.js';
import { T, URL, allowed, completion, jsonResponse, model, serve, server, textParams, useOpenAIServer, user, weatherTool } from './test-helpers/openai-msw.js';

// Built before the server starts listening: the default client must still be intercepted.
const earlyModel = new OpenAIChatModel('gpt-4o', { apiKey: 'sk-test' });

useOpenAIServer();


describe('OpenAIChatModel.request', () => {
  it('sends a plain text request and maps the response', async () => {
    const cap = serve(completion({ content: 'Paris.' }));
    const r = await allowed(() => model().request([user('Capital of France?')], undefined, textParams));
    expect(cap.bodies[0]).toEqual({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Capital of France?' }], stream: false });
    expect(cap.headers[0]!.get('authorization')).toBe('Bearer sk-test');
    expect(r).toEqual({
      kind: 'response',
      parts: [{ partKind: 'text', content: 'Paris.' }],
      usage: {
        inputTokens: 10,
        outputTokens: 5,
        cacheReadTokens: 3,
        details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
      },
      modelName: 'gpt-4o-2024-08-06',
      timestamp: '2024-01-01T00:00:00.000Z',
      providerName: 'openai',
      providerResponseId: 'chatcmpl-123',
      providerDetails: { finish_reason: 'stop' },
      finishReason: 'stop',
    } satisfies ModelResponse);
  });

  it('maps system prompts, instructions, a tool round trip and retry prompts', async () => {
    const cap = serve(completion({ content: 'done' }));
    const history: ModelMessage[] = [
      {
        kind: 'request',
        parts: [
          { partKind: 'system-prompt', content: 'Be brief.', timestamp: T },
          { partKind: 'user-prompt', content: 'Weather?', timestamp: T },
        ],
        instructions: 'old instructions',
      },
      {
        kind: 'response',
        parts: [
          { partKind: 'text', content: 'Checking.' },
          { partKind: 'tool-call', toolName: 'get_weather', args: { city: 'Paris' }, toolCallId: 'call_1' },
          { partKind: 'tool-call', toolName: 'get_weather', args: '{"city":"Rome"}', toolCallId: 'call_2' },
        ],
        usage: { inputTokens: 1, outputTokens: 1 },
        timestamp: T,
      },
      {
        kind: 'request',
        parts: [
          { partKind: 'tool-return', toolName: 'get_weather', content: { temp: 20 }, toolCallId: 'call_1', timestamp: T },
          { partKind: 'retry-prompt', toolName: 'get_weather', content: 'city unknown', toolCallId: 'call_2', timestamp: T },
          { partKind: 'retry-prompt', content: 'Please answer with a number', toolCallId: 'x', timestamp: T },
        ],
        instructions: 'new instructions',
      },
    ];
    await allowed(() => model().request(history, undefined, { ...textParams, functionTools: [weatherTool] }));
    expect(cap.bodies[0]!['messages']).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'system', content: 'new instructions' },
      { role: 'user', content: 'Weather?' },
      {
        role: 'assistant',
        content: 'Checking.',
        tool_calls: [
          { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
          { id: 'call_2', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_1', content: '{"temp":20}' },
      { role: 'tool', tool_call_id: 'call_2', content: 'city unknown\n\nFix the errors and try again.' },
      { role: 'user', content: 'Validation feedback:\nPlease answer with a number\n\nFix the errors and try again.' },
    ]);
    expect(cap.bodies[0]!['tools']).toEqual([
      {
        type: 'function',
        function: {
          name: 'get_weather',
          description: 'Weather for a city.',
          parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
          strict: true,
        },
      },
    ]);
    expect(cap.bodies[0]!['tool_choice']).toBe('auto');
  });

  it('parses parallel tool calls with args kept as JSON strings', async () => {
    const cap = serve(
      completion({
        tool_calls: [
          { id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
          { id: 'call_b', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } },
        ],
      }),
    );
    const r = await allowed(() => model().request([user('Paris and Rome?')], { parallelToolCalls: true }, { ...textParams, functionTools: [weatherTool] }));
    expect(cap.bodies[0]!['parallel_tool_calls']).toBe(true);
    expect(r.parts).toEqual([
      { partKind: 'tool-call', toolName: 'get_weather', args: '{"city":"Paris"}', toolCallId: 'call_a' },
      { partKind: 'tool-call', toolName: 'get_weather', args: '{"city":"Rome"}', toolCallId: 'call_b' },
    ]);
    expect(r.finishReason).toBe('tool_call');
    expect(r.providerDetails).toEqual({ finish_reason: 'tool_calls' });
  });

  it('tool output mode: output tool with tool_choice required; strict decided from the schema', async () => {
    const cap = serve(completion({ content: 'x' }));
    const outputTool: ToolDefinition = {
      name: 'final_result',
      description: 'The final response',
      parametersJsonSchema: { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object', properties: { n: { type: 'integer' }, note: { type: 'string' } }, required: ['n'] },
      kind: 'output',
    };
    await allowed(() => model().request([user('go')], undefined, { functionTools: [], outputTools: [outputTool], allowTextOutput: false, outputMode: 'tool' }));
    expect(cap.bodies[0]!['tool_choice']).toBe('required');
    // not strict-compatible (`note` optional): no strict flag, $schema dropped, additionalProperties added
    expect(cap.bodies[0]!['tools']).toEqual([
      {
        type: 'function',
        function: {
          name: 'final_result',
          description: 'The final response',
          parameters: { type: 'object', properties: { n: { type: 'integer' }, note: { type: 'string' } }, required: ['n'], additionalProperties: false },
        },
      },
    ]);
  });

  it('native output mode sends a json_schema response format', async () => {
    const cap = serve(completion({ content: '{"city":"Paris"}' }));
    const r = await allowed(() =>
      model().request([user('go')], undefined, {
        functionTools: [],
        outputTools: [],
        allowTextOutput: true,
        outputMode: 'native',
        outputObject: { name: 'CityLocation', description: 'A city.', jsonSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
      }),
    );
    expect(cap.bodies[0]!['response_format']).toEqual({
      type: 'json_schema',
      json_schema: {
        name: 'CityLocation',
        description: 'A city.',
        schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
        strict: true,
      },
    });
    expect(cap.bodies[0]!['tools']).toBeUndefined();
    expect(r.parts).toEqual([{ partKind: 'text', content: '{"city":"Paris"}' }]);
  });

  it('prompted output mode sends json_object and keeps the agent-made instructions', async () => {
    const cap = serve(completion({ content: '{"city":"Paris"}' }));
    await allowed(() =>
      model().request([{ ...(user('go') as ModelRequest), instructions: 'Always respond with a JSON object' }], undefined, {
        functionTools: [],
        outputTools: [],
        allowTextOutput: true,
        outputMode: 'prompted',
        outputObject: { jsonSchema: { type: 'object', properties: {} } },
      }),
    );
    expect(cap.bodies[0]!['response_format']).toEqual({ type: 'json_object' });
    expect(cap.bodies[0]!['messages']).toEqual([
      { role: 'system', content: 'Always respond with a JSON object' },
      { role: 'user', content: 'go' },
    ]);
  });

  it('maps settings to the body, headers and timeout', async () => {
    const cap = serve(completion({ content: 'x' }));
    await allowed(() =>
      model().request(
        [user('hi')],
        {
          temperature: 0.2,
          maxTokens: 100,
          topP: 0.9,
          stopSequences: ['END'],
          seed: 7,
          presencePenalty: 0.1,
          frequencyPenalty: 0.3,
          logitBias: { '50256': -100 },
          openaiUser: 'u1',
          parallelToolCalls: false, // dropped: no tools
          extraHeaders: { 'x-test': 'yes' },
          extraBody: { metadata: { a: '1' } },
          timeoutMs: 5000,
        },
        textParams,
      ),
    );
    expect(cap.bodies[0]).toEqual({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'hi' }],
      stream: false,
      temperature: 0.2,
      max_completion_tokens: 100,
      top_p: 0.9,
      stop: ['END'],
      seed: 7,
      presence_penalty: 0.1,
      frequency_penalty: 0.3,
      logit_bias: { '50256': -100 },
      user: 'u1',
      metadata: { a: '1' },
    });
    expect(cap.headers[0]!.get('x-test')).toBe('yes');
  });

  it('drops sampling settings on reasoning models with a warning', async () => {
    const cap = serve(completion({ content: 'x' }));
    const warnings: string[] = [];
    const spy = vi.spyOn(process, 'emitWarning').mockImplementation(((w: string | Error) => {
      warnings.push(String(w));
    }) as typeof process.emitWarning);
    try {
      const m = new OpenAIChatModel('o3-mini', { apiKey: 'sk-test' });
      await allowed(() => m.request([user('hi')], { temperature: 0.5, topP: 0.5, openaiReasoningEffort: 'low' }, textParams));
    } finally {
      spy.mockRestore();
    }
    expect(cap.bodies[0]).toEqual({ model: 'o3-mini', messages: [{ role: 'user', content: 'hi' }], stream: false, reasoning_effort: 'low' });
    expect(warnings).toEqual(["Sampling parameters ['temperature', 'top_p'] are not supported when reasoning is enabled. These settings will be ignored."]);
  });

  it('uses the user role for o1-mini system prompts and developer where the profile says', async () => {
    const cap = serve(completion({ content: 'x' }));
    const req: ModelMessage = {
      kind: 'request',
      parts: [
        { partKind: 'system-prompt', content: 'sys', timestamp: T },
        { partKind: 'user-prompt', content: 'hi', timestamp: T },
      ],
    };
    await allowed(() => new OpenAIChatModel('o1-mini', { apiKey: 'k' }).request([req], undefined, textParams));
    await allowed(() => new OpenAIChatModel('gpt-4o', { apiKey: 'k', profile: { systemPromptRole: 'developer' } }).request([req], undefined, textParams));
    expect(cap.bodies[0]!['messages']).toEqual([
      { role: 'user', content: 'sys' },
      { role: 'user', content: 'hi' },
    ]);
    expect(cap.bodies[1]!['messages']).toEqual([
      { role: 'developer', content: 'sys' },
      { role: 'user', content: 'hi' },
    ]);
  });

  it('maps multimodal user content (image url, binary image, pdf, inlined text, downloaded document)', async () => {
    const cap = serve(completion({ content: 'x' }));
    server.use(http.get('https://example.com/doc.pdf', () => new Response(new Uint8Array([37, 80, 68, 70]), { headers: { 'content-type': 'application/pdf' } })));
    const content = [
      'Look:',
      ImageUrl('https://example.com/cat.png'),
      BinaryContent(new Uint8Array([1, 2, 3]), 'image/png'),
      BinaryContent(new Uint8Array([37, 80, 68, 70]), 'application/pdf'),
      BinaryContent(new Uint8Array(Buffer.from('Dummy TXT file\n')), 'text/plain'),
      DocumentUrl('https://example.com/doc.pdf'),
    ];
    await allowed(() => model().request([{ kind: 'request', parts: [{ partKind: 'user-prompt', content, timestamp: T }] }], undefined, textParams));
    expect(cap.bodies[0]!['messages']).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Look:' },
          { type: 'image_url', image_url: { url: 'https://example.com/cat.png' } },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,AQID' } },
          { type: 'file', file: { file_data: 'data:application/pdf;base64,JVBERg==', filename: 'filename.pdf' } },
          // identifier as pydantic-ai's recorded request: sha1('Dummy TXT file\n')[:6]
          { type: 'text', text: '-----BEGIN FILE id="f58746" type="text/plain"-----\nDummy TXT file\n\n-----END FILE id="f58746"-----' },
          { type: 'file', file: { file_data: 'data:application/pdf;base64,JVBERg==', filename: 'filename.pdf' } },
        ],
      },
    ]);
  });

  it('sends files a tool returned in a following user message', async () => {
    const cap = serve(completion({ content: 'A potato.' }));
    const image = ImageUrl('https://example.com/potato.jpg');
    const history: ModelMessage[] = [
      user('What food?'),
      { kind: 'response', parts: [{ partKind: 'tool-call', toolName: 'get_image', args: '{}', toolCallId: 'c1' }], usage: { inputTokens: 0, outputTokens: 0 }, timestamp: T },
      { kind: 'request', parts: [{ partKind: 'tool-return', toolName: 'get_image', content: image, toolCallId: 'c1', timestamp: T }] },
    ];
    await allowed(() => model().request(history, undefined, textParams));
    const msgs = cap.bodies[0]!['messages'] as Record<string, unknown>[];
    const id = (msgs[2]!['content'] as string).match(/^See file ([0-9a-f]{6})\.$/)?.[1];
    expect(id).toBeDefined();
    expect(msgs.slice(1)).toEqual([
      { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'get_image', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 'c1', content: `See file ${id}.` },
      { role: 'user', content: [{ type: 'text', text: `This is file ${id}:` }, { type: 'image_url', image_url: { url: 'https://example.com/potato.jpg' } }] },
    ]);
  });

  it('reads thinking from reasoning_content and <think> tags and sends it back', async () => {
    serve(completion({ content: '<think>hmm</think>Answer', reasoning_content: 'deep thought' }));
    const m = model();
    const r = await allowed(() => m.request([user('q')], undefined, textParams));
    expect(r.parts).toEqual([
      { partKind: 'thinking', content: 'deep thought', id: 'reasoning_content', providerName: 'openai' },
      { partKind: 'thinking', content: 'hmm', id: 'content', providerName: 'openai' },
      { partKind: 'text', content: 'Answer' },
    ]);
    const { body } = await m.buildRequest([user('q'), r, user('more')], undefined, textParams, false);
    expect((body['messages'] as unknown[])[1]).toEqual({ role: 'assistant', reasoning_content: 'deep thought', content: '<think>\nhmm\n</think>\n\nAnswer' });
  });

  it('maps a refusal to an empty content_filter response', async () => {
    serve(completion({ refusal: "I can't help" }));
    const r = await allowed(() => model().request([user('q')], undefined, textParams));
    expect(r.parts).toEqual([]);
    expect(r.finishReason).toBe('content_filter');
    expect(r.providerDetails).toEqual({ refusal: "I can't help" });
  });
});

describe('OpenAIChatModel errors', () => {
  const errorBody = { error: { message: 'Bad things', type: 'invalid_request_error', code: 'bad', param: null } };
  it.each([400, 429, 500])('HTTP %i becomes ModelHTTPError with the error body and the SDK error as cause', async (status) => {
    serve(() => jsonResponse(errorBody, status));
    const err = await allowed(() => model().request([user('q')], undefined, textParams)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelHTTPError);
    const e = err as ModelHTTPError;
    expect(e.statusCode).toBe(status);
    expect(e.modelName).toBe('gpt-4o');
    expect(e.body).toEqual(errorBody.error);
    expect(e.message).toContain('Bad things');
    expect((e.cause as { status?: number }).status).toBe(status);
  });

  it('passes maxRetries to the SDK: a retried 429 succeeds, with none it surfaces', async () => {
    // A stub fetch, not msw: the SDK cancels the body of a response it retries, and that
    // cancel never settles on msw's intercepted responses (observed with msw 2.15).
    let calls = 0;
    const fetchStub = vi.fn(async () => {
      calls++;
      const headers = { 'content-type': 'application/json', 'retry-after-ms': '1' };
      return calls === 1 ? new Response(JSON.stringify(errorBody), { status: 429, headers }) : new Response(JSON.stringify(completion({ content: 'ok' })), { headers });
    });
    const m = new OpenAIChatModel('gpt-4o', { apiKey: 'k', maxRetries: 1, fetch: fetchStub });
    const r = await allowed(() => m.request([user('q')], undefined, textParams));
    expect(calls).toBe(2);
    expect(r.parts).toEqual([{ partKind: 'text', content: 'ok' }]);
    expect((await new OpenAIChatModel('gpt-4o', { apiKey: 'k' }).getClient()).maxRetries).toBe(2); // SDK default, as pydantic-ai
    serve(() => jsonResponse(errorBody, 429));
    const err = await allowed(() => model().request([user('q')], undefined, textParams)).catch((e: unknown) => e);
    expect((err as ModelHTTPError).cause).toBeInstanceOf(RateLimitError);
  });

  it('a timeout becomes ModelAPIError', async () => {
    serve(async () => {
      await delay(2000);
      return HttpResponse.json(completion({ content: 'late' }));
    });
    const start = Date.now();
    const err = await allowed(() => model().request([user('q')], { timeoutMs: 50 }, textParams)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelAPIError);
    expect(err).not.toBeInstanceOf(ModelHTTPError);
    expect((err as ModelAPIError).cause).toBeInstanceOf(APIConnectionTimeoutError);
    expect(Date.now() - start).toBeLessThan(1500);
  });

  it('a network failure becomes ModelAPIError', async () => {
    server.use(http.post(URL, () => HttpResponse.error()));
    const err = await allowed(() => model().request([user('q')], undefined, textParams)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelAPIError);
    expect((err as ModelAPIError).modelName).toBe('gpt-4o');
    expect((err as ModelAPIError).cause).toBeDefined();
  });

  it('a missing API key is a UserError at request time, not at construction', async () => {
    vi.stubEnv('OPENAI_API_KEY', '');
    vi.stubEnv('OPENAI_BASE_URL', undefined as unknown as string);
    delete process.env['OPENAI_BASE_URL'];
    try {
      const m = new OpenAIChatModel('gpt-4o');
      const err = await allowed(() => m.request([user('q')], undefined, textParams)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UserError);
      expect((err as Error).message).toContain('OPENAI_API_KEY');
    } finally {
      vi.unstubAllEnvs();
    }
  });
});

describe('request guard and default client', () => {
  it('a disallowed request throws before any fetch', async () => {
    let calls = 0;
    server.use(http.post(URL, () => (calls++, HttpResponse.json(completion({ content: 'x' })))));
    const fetchSpy = vi.fn(globalThis.fetch);
    const m = new OpenAIChatModel('gpt-4o', { apiKey: 'k', fetch: fetchSpy });
    await expect(withAllowModelRequests(false, () => m.request([user('q')], undefined, textParams))).rejects.toBeInstanceOf(ModelRequestsDisallowed);
    expect(() => withAllowModelRequests(false, () => m.requestStream([user('q')], undefined, textParams))).toThrow(ModelRequestsDisallowed);
    // the vitest setup blocks requests by default
    await expect(m.request([user('q')], undefined, textParams)).rejects.toBeInstanceOf(ModelRequestsDisallowed);
    expect(calls).toBe(0);
    expect(fetchSpy).not.toHaveBeenCalled();
  });

  it('the default client looks up globalThis.fetch at request time', async () => {
    const cap = serve(completion({ content: 'via msw' }));
    const r = await allowed(() => earlyModel.request([user('q')], undefined, textParams));
    expect(r.parts).toEqual([{ partKind: 'text', content: 'via msw' }]);
    expect(cap.bodies).toHaveLength(1);

    const m = new OpenAIChatModel('gpt-4o', { apiKey: 'k' });
    const spy = vi.fn(async () => new Response(JSON.stringify(completion({ content: 'via stub' })), { headers: { 'content-type': 'application/json' } }));
    vi.stubGlobal('fetch', spy);
    try {
      const r2 = await allowed(() => m.request([user('q')], undefined, textParams));
      expect(r2.parts).toEqual([{ partKind: 'text', content: 'via stub' }]);
      expect(spy).toHaveBeenCalledTimes(1);
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('openai: and openai-chat: names resolve through inferModel', () => {
    const a = inferModel('openai:gpt-4o');
    const b = inferModel('openai-chat:gpt-4o-mini');
    expect(a).toBeInstanceOf(OpenAIChatModel);
    expect(b).toBeInstanceOf(OpenAIChatModel);
    expect([a.modelName, b.modelName, a.system]).toEqual(['gpt-4o', 'gpt-4o-mini', 'openai']);
  });
});
