import { join } from 'node:path';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import * as testing from '../index.js';
import { readCassette } from './format.js';
import { withCassette } from './with-cassette.js';

const corpus = join(process.cwd(), 'fixtures', 'cassettes', 'cassette', 'corpus');
const none = { mode: 'none' as const, env: {} };

describe('VCR.py cassettes (pydantic-ai serializer) read as they are', () => {
  it('reads parsed_body, header lists, status and SSE body strings', async () => {
    const json = await readCassette(join(corpus, 'test_valid_response.yaml'));
    expect(json?.metadata).toBeUndefined();
    expect(json?.interactions[0]?.request.headers['content-type']).toEqual(['application/json']);
    expect(json?.interactions[0]?.response.status).toEqual({ code: 200, message: 'OK' });
    expect(json?.interactions[0]?.response.body.kind).toBe('json');
    const sse = await readCassette(join(corpus, 'test_temporal_agent_run_stream.yaml'));
    const body = sse?.interactions[0]?.response.body;
    expect(body?.kind).toBe('sse');
    expect(body?.kind === 'sse' && body.events.at(-1)?.data).toBe('[DONE]');
  });

  it('replays a JSON cassette through the raw SDK', async () => {
    const out = await withCassette(join(corpus, 'test_valid_response.yaml'), none, async () => {
      const client = new OpenAI({ apiKey: 'sk-test' });
      return client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'anything: foreign cassettes match method + host + path' }] });
    });
    expect(out.choices[0]?.message.content).toBe('The capital of France is Paris.');
    expect(out.usage?.total_tokens).toBe(21);
  });

  it('replays a recorded stream incrementally through the raw SDK', async () => {
    const deltas = await withCassette(join(corpus, 'test_temporal_agent_run_stream.yaml'), none, async () => {
      const client = new OpenAI({ apiKey: 'sk-test' });
      const stream = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'What is the capital of Mexico?' }], stream: true });
      const out: string[] = [];
      for await (const chunk of stream) out.push(chunk.choices[0]?.delta.content ?? '');
      return out;
    });
    expect(deltas.length).toBeGreaterThan(3);
    expect(deltas.join('')).toContain('Mexico City');
  });

  it('replays interactions in recorded order and a recorded 400 as the SDK error', async () => {
    const contents = await withCassette(join(corpus, 'test_openai_instructions_with_tool_calls_keep_instructions.yaml'), none, async () => {
      const client = new OpenAI({ apiKey: 'sk-test' });
      const a = await client.chat.completions.create({ model: 'gpt-4.1-mini', messages: [{ role: 'user', content: 'x' }] });
      const b = await client.chat.completions.create({ model: 'gpt-4.1-mini', messages: [{ role: 'user', content: 'y' }] });
      return [a.choices[0]?.finish_reason, b.choices[0]?.finish_reason];
    });
    expect(contents).toEqual(['tool_calls', 'stop']);
    const err = await withCassette(join(corpus, 'test_openai_o1_mini_system_role[system].yaml'), none, () =>
      new OpenAI({ apiKey: 'sk-test', maxRetries: 0 }).chat.completions.create({ model: 'o1-mini', messages: [{ role: 'system', content: 's' }] }),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as { status: number }).status).toBe(400);
  });

  it('copes with a multi-valued content-type header', async () => {
    const data = await readCassette(join(corpus, 'test_document_as_binary_content_input_with_tool.yaml'));
    expect(data?.interactions[0]?.response.headers['content-type']).toEqual(['application/json', 'coplane']);
    const r = await withCassette(join(corpus, 'test_document_as_binary_content_input_with_tool.yaml'), { ...none, allowUnplayed: true }, () =>
      new OpenAI({ apiKey: 'sk-test' }).chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'doc' }] }),
    );
    expect(r.choices[0]?.message.tool_calls?.[0]?.type).toBe('function');
  });
});

describe('public names', () => {
  it('rehearse/testing exports the cassette API', () => {
    for (const name of [
      'withCassette',
      'useCassette',
      'Cassette',
      'CassetteMismatch',
      'CassetteUnplayed',
      'CassetteEscape',
      'CassetteFormatError',
      'CassetteSecretError',
      'CassetteRecordingInCI',
      'readCassette',
      'parseCassette',
      'serializeCassette',
      'redactInteraction',
      'scanInteractions',
      'registerCassetteCommands',
      'runCassetteCli',
      'resolveRecordMode',
    ])
      expect(testing, name).toHaveProperty(name);
  });
});
