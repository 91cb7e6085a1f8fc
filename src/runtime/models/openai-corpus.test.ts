/**
 * Conformance over real recorded OpenAI traffic (fixtures/cassettes/corpus, recorded by
 * pydantic-ai's test suite; see its README for attribution). For each supported case the agent
 * the case describes (defined once in src/testing/cassette/corpus-cases.ts, shared with the
 * cassette-driven corpus-replay.test.ts) runs against the recorded responses, served in order
 * by a small msw handler, through the real `openai` SDK inside `OpenAIChatModel`; output, tool
 * calls, usage, model name, warnings and streamed text are checked against `expected`. Each
 * request body rehearse sends is compared with the recorded one on model, messages, tools,
 * tool_choice, response_format, web_search_options and stream, and the differences are printed (information, not
 * failures: the recordings come from several pydantic-ai versions).
 *
 * Skipped cases and why: UNSUPPORTED_CASES in corpus-cases.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTwoFilesPatch } from 'diff';
import { http } from 'msw';
import { setupServer } from 'msw/node';
import { parse as parseYaml } from 'yaml';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { withAllowModelRequests } from '../index.js';
import {
  CORPUS_DIR,
  UNSUPPORTED_CASES,
  buildCorpusAgent,
  expectedCorpusOutcome,
  loadCorpusCases,
  observedCorpusOutcome,
  runCorpusAgent,
  type CorpusRunResult,
} from '../../testing/cassette/corpus-cases.js';

const URL = 'https://api.openai.com/v1/chat/completions';

/** A VCR.py interaction as pydantic-ai's serializer writes it (JSON bodies parsed, SSE bodies as text). */
interface RawInteraction {
  request: { parsed_body?: Record<string, unknown> };
  response: { status: { code: number }; headers: Record<string, string[]>; parsed_body?: unknown; body?: string | { string: string } };
}

function loadCassette(path: string): RawInteraction[] {
  const doc = parseYaml(readFileSync(join(CORPUS_DIR, path), 'utf8')) as { interactions: RawInteraction[] };
  return doc.interactions;
}

/** The recorded response as a fetch `Response`. */
function recordedResponse(i: RawInteraction): Response {
  const r = i.response;
  const headers = { 'content-type': r.headers['content-type']?.[0] ?? 'application/json' };
  const body = r.parsed_body !== undefined ? JSON.stringify(r.parsed_body) : typeof r.body === 'string' ? r.body : (r.body?.string ?? '');
  return new Response(body, { status: r.status.code, headers });
}

const COMPARED = ['model', 'messages', 'tools', 'tool_choice', 'response_format', 'web_search_options', 'stream'] as const;
/** The compared fields, with object keys sorted so that key order does not show as a difference. */
function pick(body: Record<string, unknown> | undefined): Record<string, unknown> {
  const sortKeys = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sortKeys);
    if (v === null || typeof v !== 'object') return v;
    return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]));
  };
  const out: Record<string, unknown> = {};
  for (const k of COMPARED) if (body && body[k] !== undefined) out[k] = sortKeys(body[k]);
  return out;
}

const cases = loadCorpusCases();
const supported = cases.filter((c) => !(c.id in UNSUPPORTED_CASES));

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

describe('OpenAI corpus conformance', () => {
  it('copied every case and cassette of the shared corpus', () => {
    expect(cases.length).toBe(25);
    for (const c of cases) expect(loadCassette(c.cassette).length).toBe(c.http_interactions);
    expect(Object.keys(UNSUPPORTED_CASES).every((id) => cases.some((c) => c.id === id))).toBe(true);
  });

  it.each(supported.map((c) => [c.id, c] as const))('case %s passes', async (_id, c) => {
    const interactions = loadCassette(c.cassette);
    const sent: Record<string, unknown>[] = [];
    server.use(
      http.post(URL, async ({ request }) => {
        const i = sent.length;
        sent.push((await request.json()) as Record<string, unknown>);
        const rec = interactions[i];
        if (!rec) return new Response(JSON.stringify({ error: { message: `cassette has only ${interactions.length} interactions` } }), { status: 599 });
        return recordedResponse(rec);
      }),
    );

    const built = buildCorpusAgent(c, { firstRequestBody: interactions[0]?.request.parsed_body });
    let run: { result: CorpusRunResult } | { error: unknown };
    try {
      run = { result: await withAllowModelRequests(true, () => runCorpusAgent(built)) };
    } catch (error) {
      run = { error };
    }

    // request bodies: differences are printed, not asserted
    for (let i = 0; i < sent.length; i++) {
      const recorded = JSON.stringify(pick(interactions[i]?.request.parsed_body), null, 1);
      const ours = JSON.stringify(pick(sent[i]), null, 1);
      if (recorded !== ours) {
        const patch = createTwoFilesPatch(`recorded#${i}`, `rehearse#${i}`, recorded + '\n', ours + '\n', undefined, undefined, { context: 1 });
        console.log(`[corpus ${c.id}] request ${i} differs from the recording:\n${patch.split('\n').slice(2).join('\n')}`);
      }
    }
    if ('error' in run && sent.length === 0) throw run.error;
    expect(sent.length).toBe(c.http_interactions);
    expect(observedCorpusOutcome(c, run)).toEqual(expectedCorpusOutcome(c));
    if (c.expected.wire_assertion?.tool_choice !== undefined) expect(sent[0]?.['tool_choice']).toEqual(c.expected.wire_assertion.tool_choice);
  });
});
