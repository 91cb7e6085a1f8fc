/**
 * The OpenAI conformance corpus, cassette-driven: every case's VCR.py cassette is replayed by
 * `withCassette` in `none` mode (no network; foreign cassettes match on method + host + path,
 * in recorded order) through the real `openai` SDK inside `OpenAIChatModel`, and the run is
 * checked against the case's `expected`. The agents are the ones corpus-cases.ts defines (also
 * used by src/runtime/models/openai-corpus.test.ts). Unsupported cases are listed in
 * UNSUPPORTED_CASES with the reason, and skipped here.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { withAllowModelRequests } from '../../runtime/index.js';
import { CORPUS_DIR, UNSUPPORTED_CASES, expectedCorpusOutcome, loadCorpusCases, observedCorpusOutcome, runCorpusCase, type CorpusRunResult } from './corpus-cases.js';
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
      let run: { result: CorpusRunResult } | { error: unknown };
      try {
        run = { result: await withCassette(path, { mode: 'none', env: {} }, () => withAllowModelRequests(true, () => runCorpusCase(c, data?.interactions ?? []))) };
      } catch (error) {
        run = { error };
      }
      expect(observedCorpusOutcome(c, run)).toEqual(expectedCorpusOutcome(c));
    });
  }
});
