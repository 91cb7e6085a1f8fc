/**
 * The OpenAI conformance corpus, cassette-driven: every case's VCR.py cassette is replayed by
 * `withCassette` in `none` mode (no network; foreign cassettes match on method + host + path,
 * in recorded order) through the real `openai` SDK inside `OpenAIChatModel`, and the run is
 * checked against the case's `expected`. Unsupported cases are listed in UNSUPPORTED_CASES
 * (corpus-cases.ts) with the reason, and skipped here.
 */
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { ModelHTTPError, withAllowModelRequests } from '../../runtime/index.js';
import { CORPUS_DIR, UNSUPPORTED_CASES, loadCorpusCases, runCorpusCase, type CorpusRunResult } from './corpus-cases.js';
import { readCassette } from './format.js';
import { withCassette } from './with-cassette.js';

const cases = loadCorpusCases();

describe('OpenAI corpus replayed from cassettes', () => {
  it('has every case of the shared corpus, and each unsupported case exists', () => {
    expect(cases).toHaveLength(25);
    for (const id of Object.keys(UNSUPPORTED_CASES)) expect(cases.some((c) => c.id === id)).toBe(true);
  });

  for (const c of cases) {
    const reason = UNSUPPORTED_CASES[c.id];
    if (reason !== undefined) {
      it.skip(`case ${c.id} — not yet supported: ${reason}`, () => undefined);
      continue;
    }
    it(`case ${c.id}`, async () => {
      const path = join(CORPUS_DIR, c.cassette);
      const data = await readCassette(path);
      expect(data?.metadata).toBeUndefined(); // read as a foreign VCR.py cassette
      expect(data?.interactions).toHaveLength(c.http_interactions);
      const warnings: string[] = [];
      const warnSpy = vi.spyOn(process, 'emitWarning').mockImplementation(((w: string | Error) => {
        warnings.push(String(w));
      }) as typeof process.emitWarning);
      let result: CorpusRunResult | undefined;
      let error: unknown;
      try {
        result = await withCassette(path, { mode: 'none', env: {} }, () => withAllowModelRequests(true, () => runCorpusCase(c, data?.interactions ?? [])));
      } catch (e) {
        error = e;
      } finally {
        warnSpy.mockRestore();
      }
      const exp = c.expected;
      if (exp.error) {
        expect(error).toBeInstanceOf(ModelHTTPError);
        expect((error as ModelHTTPError).statusCode).toBe(exp.error.status);
        expect((error as Error).message).toMatch(new RegExp(exp.error.message_match));
        return;
      }
      if (error !== undefined) throw error;
      const r = result as CorpusRunResult;
      const want = exp.output ?? exp.recorded_output;
      if (want !== undefined && want !== null) expect(r.output).toEqual(want);
      const responses = r.messages.filter((m) => m.kind === 'response');
      const calls = responses.flatMap((m) => m.parts.filter((p) => p.partKind === 'tool-call'));
      expect(calls.map((p) => p.toolName)).toEqual(exp.tool_calls.map((t) => t.name));
      exp.tool_calls.forEach((t, i) => {
        const args = calls[i]?.args;
        if (t.args) expect(typeof args === 'string' ? JSON.parse(args) : args).toEqual(t.args);
      });
      if (exp.usage) expect(responses.map((m) => ({ input_tokens: m.usage.inputTokens, output_tokens: m.usage.outputTokens }))).toEqual(exp.usage);
      if (exp.model_name) expect(responses.at(-1)?.modelName).toBe(exp.model_name);
      if (exp.warning) expect(warnings.some((w) => /temperature/.test(w))).toBe(true);
      if (exp.stream_text_chunks) expect(r.streamedText).toEqual(exp.stream_text_chunks);
    });
  }
});
