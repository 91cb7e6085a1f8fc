import { afterEach, describe, expect, it } from 'vitest';
import type { ModelMessage, UserPromptPart } from '../../runtime/index.js';
import { FunctionModel, type AgentInfo } from '../../testing/index.js';
import { EvaluatorContext } from '../evaluator-context.js';
import { runEvaluator } from '../evaluator.js';
import { buildJudgePrompt, getDefaultJudgeModel, LLMJudge, setDefaultJudgeModel } from './llm-judge.js';

interface Seen {
  system: string;
  prompt: unknown;
}

/** A judge that passes outputs containing "Paris" and records what it was shown. */
function judge(seen: Seen[]) {
  return new FunctionModel(
    (messages: ModelMessage[], info: AgentInfo) => {
      const req = messages[0]!;
      const parts = req.kind === 'request' ? req.parts : [];
      const system = parts.find((p) => p.partKind === 'system-prompt');
      const user = parts.find((p): p is UserPromptPart => p.partKind === 'user-prompt')!;
      seen.push({ system: system && 'content' in system ? String(system.content) : '', prompt: user.content });
      const pass = typeof user.content === 'string' && /<Output>\nParis/.test(user.content);
      return [
        {
          partKind: 'tool-call',
          toolName: info.outputTools[0]!.name,
          args: { reason: pass ? 'It names Paris.' : 'Wrong city.', pass, score: pass ? 1 : 0.25 },
          toolCallId: 'j1',
        },
      ];
    },
    { modelName: 'judge' },
  );
}

const ctx = (output: unknown) =>
  new EvaluatorContext({ name: 'c', inputs: { q: 'Capital of France?' }, output, expectedOutput: 'Paris', durationMs: 1 });

describe('LLMJudge', () => {
  const original = getDefaultJudgeModel();
  afterEach(() => setDefaultJudgeModel(original));

  it('reports an assertion with the reason by default', async () => {
    const seen: Seen[] = [];
    const r = await runEvaluator(new LLMJudge({ rubric: 'Names the capital of France', model: judge(seen) }), ctx('Paris'));
    expect(r).toEqual([{ name: 'LLMJudge', value: true, reason: 'It names Paris.', source: 'LLMJudge' }]);
    expect(seen[0]!.prompt).toBe('<Output>\nParis\n</Output>\n<Rubric>\nNames the capital of France\n</Rubric>');
    expect(seen[0]!.system).toMatch(/^You are grading output according to a user-specified rubric\. If the statement in the rubric is true, then/);
    expect(seen[0]!.system).toContain('State only the final justification.');
  });

  it('reports score and assertion with suffixes, and shows inputs and expected output', async () => {
    const seen: Seen[] = [];
    const e = new LLMJudge({
      rubric: 'Correct',
      model: judge(seen),
      includeInput: true,
      includeExpectedOutput: true,
      score: { includeReason: false },
      assertion: { evaluationName: 'correct', includeReason: true },
    });
    const r = await runEvaluator(e, ctx('Lyon'));
    expect(r).toEqual([
      { name: 'LLMJudge_score', value: 0.25, source: 'LLMJudge' },
      { name: 'correct', value: false, reason: 'Wrong city.', source: 'LLMJudge' },
    ]);
    expect(seen[0]!.prompt).toBe(
      '<Input>\n{"q":"Capital of France?"}\n</Input>\n<Output>\nLyon\n</Output>\n<ExpectedOutput>\nParis\n</ExpectedOutput>\n<Rubric>\nCorrect\n</Rubric>',
    );
    expect(seen[0]!.system).toContain('true for the provided input, expected output, and output');
  });

  it('picks the system prompt by the include flags even when the case has no expected output', async () => {
    const seen: Seen[] = [];
    const noExpected = new EvaluatorContext({ name: 'c', inputs: null, output: 'Paris', durationMs: 1 });
    const e = new LLMJudge({ rubric: 'r', model: judge(seen), includeInput: true, includeExpectedOutput: true, assertion: { evaluationName: '' } });
    expect(await runEvaluator(e, noExpected)).toEqual([{ name: 'LLMJudge', value: true, source: 'LLMJudge' }]);
    // sections with no value are left out, but the judge is the input/expected-output one
    expect(seen[0]!.prompt).toBe('<Output>\nParis\n</Output>\n<Rubric>\nr\n</Rubric>');
    expect(seen[0]!.system).toContain('true for the provided input, expected output, and output');
  });

  it('uses the default judge model and serializes the model by name', async () => {
    const seen: Seen[] = [];
    setDefaultJudgeModel(judge(seen));
    const e = new LLMJudge({ rubric: 'r', score: {}, assertion: false, evaluationName: 'quality' });
    expect(await runEvaluator(e, ctx('Paris'))).toEqual([{ name: 'quality', value: 1, source: 'LLMJudge' }]);
    expect(seen).toHaveLength(1);
    expect(new LLMJudge({ rubric: 'r', model: judge([]) }).toSpec()).toEqual({ LLMJudge: { rubric: 'r', model: 'function:judge' } });
    expect(new LLMJudge({ rubric: 'r' }).toSpec()).toEqual({ LLMJudge: 'r' });
  });

  it('builds multimodal prompts as content lists', () => {
    const img = { kind: 'image-url' as const, url: 'https://example.com/a.png' };
    expect(buildJudgePrompt({ output: ['a caption', img], rubric: 'r' })).toEqual(['<Output>', 'a caption', img, '</Output>', '<Rubric>', 'r', '</Rubric>']);
  });
});
