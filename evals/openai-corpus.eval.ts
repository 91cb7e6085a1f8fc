/**
 * Real OpenAI traffic recorded by pydantic-ai's test suite (fixtures/cassettes/corpus, see its
 * README for attribution), replayed through rehearse: one case per corpus cassette. The task
 * builds the agent the case describes around `OpenAIChatModel` and the real `openai` SDK, and
 * replays the cassette with `withCassette` in `none` mode (no network, no API key). Evaluators
 * check the output, the tool calls and the request count from the run's OpenTelemetry spans.
 *
 * Cases rehearse cannot run yet are left out of the dataset and listed, with the reason, in
 * UNSUPPORTED_CASES (src/testing/cassette/corpus-cases.ts).
 */
import { join } from 'node:path';
import { Agent, ModelHTTPError } from '../src/runtime/index.js';
import { readCassette, withCassette } from '../src/testing/index.js';
import { CORPUS_DIR, UNSUPPORTED_CASES, loadCorpusCases, runCorpusCase } from '../src/testing/cassette/corpus-cases.js';
import type { CorpusCase } from '../src/testing/cassette/corpus-cases.js';
import {
  ArgumentCorrectness,
  Case,
  Dataset,
  EqualsExpected,
  MaxModelRequests,
  ToolCorrectness,
  defineEval,
} from '../src/evals/index.js';
import type { Evaluator } from '../src/evals/index.js';

// Every agent built by the corpus runner is traced, so the evaluators can read its spans.
Agent.instrumentAll(true);

const corpus = loadCorpusCases().filter((c) => UNSUPPORTED_CASES[c.id] === undefined);

/** What a corpus case is expected to produce: its output, or the HTTP error it must raise. */
function expectedOf(c: CorpusCase): unknown {
  if (c.expected.error) return `ModelHTTPError ${c.expected.error.status}`;
  return c.expected.output ?? c.expected.recorded_output ?? null;
}

function evaluatorsOf(c: CorpusCase): Evaluator[] {
  const evaluators: Evaluator[] = [new MaxModelRequests({ maxRequests: c.http_interactions })];
  if (c.expected.error === undefined) {
    // The agentic evaluators look at function tools; output tools (final_result*) carry the output, checked by EqualsExpected.
    const functionCalls = c.expected.tool_calls.filter((t) => !t.name.startsWith('final_result'));
    evaluators.push(new ToolCorrectness({ expectedTools: functionCalls.map((t) => t.name) }));
    const seen = new Map<string, number>();
    for (const t of functionCalls) {
      const occurrence = seen.get(t.name) ?? 0; // index among the calls of this tool
      seen.set(t.name, occurrence + 1);
      if (t.args !== undefined) {
        evaluators.push(new ArgumentCorrectness({ toolName: t.name, expectedArguments: t.args, occurrence, evaluationName: `args_${t.name}_${occurrence}` }));
      }
    }
  }
  return evaluators;
}

async function replayCase(id: string): Promise<unknown> {
  const c = corpus.find((x) => x.id === id);
  if (c === undefined) throw new Error(`unknown corpus case ${id}`);
  const path = join(CORPUS_DIR, c.cassette);
  const cassette = await readCassette(path);
  try {
    const r = await withCassette(path, { mode: 'none' }, () => runCorpusCase(c, cassette?.interactions ?? []));
    return r.output;
  } catch (e) {
    if (c.expected.error && e instanceof ModelHTTPError) return `ModelHTTPError ${e.statusCode}`;
    throw e;
  }
}

export const openaiCorpus = defineEval({
  dataset: new Dataset<string, unknown, { source_test: string }>({
    name: 'openai_corpus_replay',
    cases: corpus.map(
      (c) =>
        new Case({
          name: c.id,
          inputs: c.id,
          expectedOutput: expectedOf(c),
          metadata: { source_test: (c as CorpusCase & { source_test: string }).source_test },
          evaluators: evaluatorsOf(c),
        }),
    ),
    evaluators: [new EqualsExpected()],
  }),
  task: replayCase,
  // each case replays its own cassette: cassettes follow the async context, so cases run concurrently
  options: { maxConcurrency: 8 },
  thresholds: { minPassRate: 1 },
});
