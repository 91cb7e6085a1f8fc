/**
 * Ported from pydantic-ai tests/evals/test_llm_as_a_judge.py. pydantic-evals' four
 * `judge_*` functions are rehearse's `judgeOutput`, which picks the judge by the sections given
 * (`inputs`, `expectedOutput`); the patched `Agent.run` is a `FunctionModel` that records what the
 * judge was sent.
 */
import { describe, expect, it } from 'vitest';
import { BinaryContent, type ModelMessage, type ModelSettings, type UserContent, type UserPromptPart } from '../../runtime/index.js';
import { FunctionModel, type AgentInfo } from '../../testing/index.js';
import { buildJudgePrompt, GradingOutput, judgeOutput } from '../evaluators/llm-judge.js';

interface Sent {
  system: string;
  prompt: string | UserContent[];
  settings: ModelSettings | undefined;
}

/** A judge answering `grading` and recording each request. */
function judge(sent: Sent[], grading = { reason: 'Test passed', pass: true, score: 1.0 }) {
  return new FunctionModel(
    (messages: ModelMessage[], info: AgentInfo) => {
      const req = messages[0]!;
      const parts = req.kind === 'request' ? req.parts : [];
      const system = parts
        .filter((p) => p.partKind === 'system-prompt')
        .map((p) => ('content' in p ? String(p.content) : ''))
        .join('\n');
      const user = parts.find((p): p is UserPromptPart => p.partKind === 'user-prompt')!;
      sent.push({ system, prompt: user.content as string | UserContent[], settings: info.modelSettings });
      return [{ partKind: 'tool-call', toolName: info.outputTools[0]!.name, args: { ...grading }, toolCallId: 'j' }];
    },
    { modelName: 'judge' },
  );
}

const image = () => BinaryContent(new Uint8Array([0x89, 0x50, 0x4e, 0x47]), 'image/png');

describe('ported from pydantic-ai tests/evals/test_llm_as_a_judge.py', () => {
  it('test_grading_output', () => {
    expect(GradingOutput.parse({ reason: 'Test passed', pass: true, score: 1.0 })).toEqual({ reason: 'Test passed', pass: true, score: 1.0 });
    expect(GradingOutput.parse({ reason: 'Test failed', pass: false, score: 0.0 })).toEqual({ reason: 'Test failed', pass: false, score: 0.0 });
    // Python's `pass_` field with alias `pass`: the TypeScript key is `pass`
    const schema = GradingOutput.toJSONSchema() as { properties: Record<string, { description?: string }> };
    expect(schema.properties['reason']!.description).toBe('A concise 1-2 sentence justification for the verdict.');
  });

  it('test_judge_prompts_constrain_reason: every judge sends the concise-reason instruction', async () => {
    const sent: Sent[] = [];
    const model = judge(sent);
    await judgeOutput({ output: 'output', rubric: 'rubric', model });
    await judgeOutput({ inputs: 'input', output: 'output', rubric: 'rubric', model });
    await judgeOutput({ inputs: 'input', output: 'output', expectedOutput: 'expected', rubric: 'rubric', model });
    await judgeOutput({ output: 'output', expectedOutput: 'expected', rubric: 'rubric', model });
    expect(sent).toHaveLength(4);
    for (const s of sent) {
      expect(s.system).toContain('concise 1-2 sentence justification');
      expect(s.system).toContain('Do not include your reasoning process');
    }
  });

  it('test_stringify: non-string values are shown as compact JSON', () => {
    expect(buildJudgePrompt({ output: 'test', rubric: 'r' })).toBe('<Output>\ntest\n</Output>\n<Rubric>\nr\n</Rubric>');
    expect(buildJudgePrompt({ output: { key: 'value' }, rubric: 'r' })).toBe('<Output>\n{"key":"value"}\n</Output>\n<Rubric>\nr\n</Rubric>');
    // a list is a sequence of items, each on its own line (pydantic-evals' _make_section)
    expect(buildJudgePrompt({ output: [[1, 2, 3]], rubric: 'r' })).toBe('<Output>\n[1,2,3]\n</Output>\n<Rubric>\nr\n</Rubric>');
    // a value JSON cannot hold falls back to its String() (Python: repr)
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    expect(buildJudgePrompt({ output: cyclic, rubric: 'r' })).toBe('<Output>\n[object Object]\n</Output>\n<Rubric>\nr\n</Rubric>');
  });

  const variants: [string, Parameters<typeof buildJudgePrompt>[0], string[]][] = [
    ['output', { output: 'O', rubric: 'R' }, ['Output', 'Rubric']],
    ['input_output', { output: 'O', rubric: 'R', inputs: 'I' }, ['Input', 'Output', 'Rubric']],
    ['output_expected', { output: 'O', rubric: 'R', expectedOutput: 'E' }, ['Output', 'ExpectedOutput', 'Rubric']],
    ['input_output_expected', { output: 'O', rubric: 'R', inputs: 'I', expectedOutput: 'E' }, ['Input', 'Output', 'ExpectedOutput', 'Rubric']],
  ];
  for (const [variant, args, expectedTags] of variants) {
    it(`test_build_prompt_section_order_matches_few_shot_examples[${variant}]`, async () => {
      const prompt = buildJudgePrompt(args);
      expect(typeof prompt).toBe('string');
      expect([...(prompt as string).matchAll(/<(\w+)>/g)].map((m) => m[1])).toEqual(expectedTags);
      const sent: Sent[] = [];
      await judgeOutput({ ...args, model: judge(sent) });
      const exampleTags = [...sent[0]!.system.matchAll(/<(\w+)>/g)].map((m) => m[1]);
      expect(exampleTags.length).toBeGreaterThan(0);
      expect(exampleTags.length % expectedTags.length).toBe(0);
      for (let start = 0; start < exampleTags.length; start += expectedTags.length) {
        expect(exampleTags.slice(start, start + expectedTags.length)).toEqual(expectedTags);
      }
    });
  }

  it('test_judge_output_mock', async () => {
    const sent: Sent[] = [];
    const grading = await judgeOutput({ output: 'Hello world', rubric: 'Content contains a greeting', model: judge(sent) });
    expect(grading).toEqual({ reason: 'Test passed', pass: true, score: 1.0 });
    expect(sent).toHaveLength(1);
    expect(sent[0]!.prompt).toContain('<Output>\nHello world\n</Output>');
    expect(sent[0]!.prompt).toContain('<Rubric>\nContent contains a greeting\n</Rubric>');
  });

  it('test_judge_output_with_model_settings_mock', async () => {
    const sent: Sent[] = [];
    const grading = await judgeOutput({
      output: 'Hello world settings',
      rubric: 'Content contains a greeting with settings',
      modelSettings: { temperature: 1 },
      model: judge(sent, { reason: 'Test passed with settings', pass: true, score: 1.0 }),
    });
    expect(grading.reason).toBe('Test passed with settings');
    expect(sent[0]!.prompt).toContain('<Output>\nHello world settings\n</Output>');
    expect(sent[0]!.settings).toMatchObject({ temperature: 1 });
  });

  it('test_judge_input_output_mock', async () => {
    const sent: Sent[] = [];
    const grading = await judgeOutput({ inputs: 'Hello', output: 'Hello world', rubric: 'Output contains input', model: judge(sent) });
    expect(grading).toEqual({ reason: 'Test passed', pass: true, score: 1.0 });
    expect(sent[0]!.prompt).toContain('<Input>\nHello\n</Input>');
    expect(sent[0]!.prompt).toContain('<Output>\nHello world\n</Output>');
    expect(sent[0]!.prompt).toContain('<Rubric>\nOutput contains input\n</Rubric>');
  });

  it('test_judge_input_output_binary_content_list_mock', async () => {
    const sent: Sent[] = [];
    const img = image();
    await judgeOutput({ inputs: [img, img], output: 'Hello world', rubric: 'Output contains input', model: judge(sent) });
    expect(Array.isArray(sent[0]!.prompt)).toBe(true);
    expect(sent[0]!.prompt).toContainEqual(img);
  });

  it('test_judge_binary_output_mock', async () => {
    const sent: Sent[] = [];
    const img = image();
    await judgeOutput({ output: img, rubric: 'dummy rubric', model: judge(sent) });
    expect(sent[0]!.prompt).toEqual(['<Output>', img, '</Output>', '<Rubric>', 'dummy rubric', '</Rubric>']);
  });

  it('test_judge_input_output_binary_content_mock', async () => {
    const sent: Sent[] = [];
    const img = image();
    await judgeOutput({ inputs: img, output: 'Hello world', rubric: 'Output contains input', model: judge(sent) });
    expect(Array.isArray(sent[0]!.prompt)).toBe(true);
    expect(sent[0]!.prompt).toContainEqual(img);
  });

  it('test_judge_input_output_with_model_settings_mock', async () => {
    const sent: Sent[] = [];
    await judgeOutput({ inputs: 'Hello settings', output: 'Hello world with settings', rubric: 'Output contains input with settings', modelSettings: { temperature: 0.5 }, model: judge(sent) });
    expect(sent[0]!.prompt).toContain('<Input>\nHello settings\n</Input>');
    expect(sent[0]!.settings).toMatchObject({ temperature: 0.5 });
  });

  it('test_judge_input_output_expected_mock', async () => {
    const sent: Sent[] = [];
    await judgeOutput({ inputs: 'Hello', output: 'Hello world', expectedOutput: 'Hello', rubric: 'Output contains input', model: judge(sent) });
    expect(sent[0]!.prompt).toBe('<Input>\nHello\n</Input>\n<Output>\nHello world\n</Output>\n<ExpectedOutput>\nHello\n</ExpectedOutput>\n<Rubric>\nOutput contains input\n</Rubric>');
    const img = image();
    await judgeOutput({ inputs: img, output: 'Hello world', expectedOutput: 'Hello', rubric: 'Output contains input', model: judge(sent) });
    expect(sent[1]!.prompt).toEqual(['<Input>', img, '</Input>', '<Output>', 'Hello world', '</Output>', '<ExpectedOutput>', 'Hello', '</ExpectedOutput>', '<Rubric>', 'Output contains input', '</Rubric>']);
  });

  it('test_judge_output_expected_mock', async () => {
    const sent: Sent[] = [];
    const grading = await judgeOutput({ output: 'Hello world', expectedOutput: 'Hello', rubric: 'Output contains input', modelSettings: { temperature: 0.1 }, model: judge(sent) });
    expect(grading.pass).toBe(true);
    expect(sent[0]!.prompt).toBe('<Output>\nHello world\n</Output>\n<ExpectedOutput>\nHello\n</ExpectedOutput>\n<Rubric>\nOutput contains input\n</Rubric>');
    expect(sent[0]!.system).toContain('for the provided expected output and output');
    expect(sent[0]!.settings).toMatchObject({ temperature: 0.1 });
  });

  // test_judge_g_eval_mock, test_judge_g_eval_validates_score_range, test_judge_g_eval_requires_evaluation_steps,
  // test_judge_g_eval_rejects_out_of_range_score: skipped, rehearse has no G-Eval judge
});
