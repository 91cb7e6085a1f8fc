/**
 * `LLMJudge`: grades an output against a rubric with a judge model, following pydantic-evals'
 * `llm_as_a_judge.py` (same system prompts, `<Input>/<Output>/<ExpectedOutput>/<Rubric>`
 * sections and `{reason, pass, score}` output).
 */
import type { z } from 'zod';
import { lazySchema, zodModule } from '../../runtime/zod-peer.js';
import {
  Agent,
  isMultiModalContent,
  type KnownModelName,
  type Model,
  type ModelSettings,
  type UserContent,
} from '../../runtime/index.js';
import type { EvaluatorContext } from '../evaluator-context.js';
import { Evaluator, type EvaluationReason, type EvaluationScalar, type EvaluatorOptions } from '../evaluator.js';

function buildGradingOutput() {
  const { z } = zodModule();
  return z.object({
    reason: z.string().describe('A concise 1-2 sentence justification for the verdict.'),
    pass: z.boolean(),
    score: z.number(),
  });
}
let gradingOutput: ReturnType<typeof buildGradingOutput> | undefined;
/** The judge's structured answer (a zod schema, built when first used so zod loads then). */
export const GradingOutput: ReturnType<typeof buildGradingOutput> = lazySchema(() => (gradingOutput ??= buildGradingOutput()));
export type GradingOutput = z.infer<typeof GradingOutput>;

const REASON_INSTRUCTION =
  '\nThe "reason" field must be a concise 1-2 sentence justification. ' +
  'Do not include your reasoning process, self-corrections, or re-checking in the reason. ' +
  'State only the final justification.';

const HEADER = (what: string) =>
  `You are grading output according to a user-specified rubric. If the statement in the rubric is true${what}, then the output passes the test. You respond with a JSON object with this structure: {reason: string, pass: boolean, score: number}`;

const PROMPTS = {
  judge_output: `${HEADER('')}

Examples:

<Output>Hello world</Output>
<Rubric>Content contains a greeting</Rubric>
{"reason": "the content contains the word 'Hello'", "pass": true, "score": 1.0}

<Output>Avast ye swabs, repel the invaders!</Output>
<Rubric>Does not speak like a pirate</Rubric>
{"reason": "'avast ye' is a common pirate term", "pass": false, "score": 0.0}
`,
  judge_input_output: `${HEADER(' for the provided input and output')}

Examples:

<Input>Hello world</Input>
<Output>Hello</Output>
<Rubric>Content contains a greeting word which is present in the input</Rubric>
{"reason": "the content contains the word 'Hello'", "pass": true, "score": 1.0}

<Input>Pirate</Input>
<Output>Avast ye swabs, repel the invaders!</Output>
<Rubric>Does not speak in the style described by the input</Rubric>
{"reason": "'avast ye' is a common pirate term", "pass": false, "score": 0.0}
`,
  judge_input_output_expected: `${HEADER(' for the provided input, expected output, and output')}

Examples:

<Input>What color is the sky?</Input>
<Output>Cerulean</Output>
<ExpectedOutput>Blue</ExpectedOutput>
<Rubric>The output is consistent with the expected output but doesn't have to match exactly</Rubric>
{"reason": "'Cerulean' is a shade of blue", "pass": true, "score": 1.0}

<Input>How many legs does a spider have?</Input>
<Output>Six</Output>
<ExpectedOutput>8</ExpectedOutput>
<Rubric>The output is factually consistent with the expected output</Rubric>
{"reason": "Spiders have 8 legs", "pass": false, "score": 0.0}
`,
  judge_output_expected: `${HEADER(' for the provided expected output and output')}

Examples:

<Output>Cerulean</Output>
<ExpectedOutput>Blue</ExpectedOutput>
<Rubric>The output should be a shade of the expected output color</Rubric>
{"reason": "'Cerulean' is a shade of blue", "pass": true, "score": 1.0}

<Output>Six</Output>
<ExpectedOutput>8</ExpectedOutput>
<Rubric>The output should be a number written in words which matches the number written in digits in the expected output</Rubric>
{"reason": "The output is 'Six' which is a different number than 8", "pass": false, "score": 0.0}
`,
} as const;

type JudgeKind = keyof typeof PROMPTS;

const judgeAgents = new Map<JudgeKind, Agent<undefined, GradingOutput>>();
function judgeAgent(kind: JudgeKind): Agent<undefined, GradingOutput> {
  let a = judgeAgents.get(kind);
  if (!a) {
    a = new Agent<undefined, GradingOutput>({ name: kind, systemPrompt: PROMPTS[kind] + REASON_INSTRUCTION, outputType: GradingOutput });
    judgeAgents.set(kind, a);
  }
  return a;
}

let defaultJudgeModel: Model | KnownModelName = 'openai:gpt-5.2';

/** Sets the model `LLMJudge` uses when it has none (initially `'openai:gpt-5.2'`, as pydantic-evals). */
export function setDefaultJudgeModel(model: Model | KnownModelName): void {
  defaultJudgeModel = model;
}

/** The current default judge model. */
export function getDefaultJudgeModel(): Model | KnownModelName {
  return defaultJudgeModel;
}

function stringify(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function section(content: unknown, tag: string): UserContent[] {
  const items = Array.isArray(content) ? content : [content];
  return [`<${tag}>`, ...items.map((i) => (typeof i === 'string' || isMultiModalContent(i) ? i : stringify(i))), `</${tag}>`];
}

/**
 * Builds the judge's user prompt: sections in the order Input, Output, ExpectedOutput, Rubric;
 * a string when everything is text, else a list of user content (images, documents).
 */
export function buildJudgePrompt(args: { output: unknown; rubric: string; inputs?: unknown; expectedOutput?: unknown }): string | UserContent[] {
  const parts: UserContent[] = [];
  // Python's `is not None`: an absent (undefined or null) section is left out
  if (args.inputs != null) parts.push(...section(args.inputs, 'Input'));
  parts.push(...section(args.output, 'Output'));
  if (args.expectedOutput != null) parts.push(...section(args.expectedOutput, 'ExpectedOutput'));
  parts.push(...section(args.rubric, 'Rubric'));
  return parts.every((p) => typeof p === 'string') ? parts.join('\n') : parts;
}

/** Options of `judgeOutput`. */
export interface JudgeOptions {
  output: unknown;
  rubric: string;
  /**
   * Shown to the judge when not `undefined`/`null`. The key's presence (even with `undefined`)
   * selects the system prompt that mentions the input, as pydantic-evals picks its judge agent
   * by `include_input`, not by the value.
   */
  inputs?: unknown;
  /** As `inputs`, for the expected output (`include_expected_output`). */
  expectedOutput?: unknown;
  /** Judge model; default `setDefaultJudgeModel`'s. */
  model?: Model | KnownModelName;
  modelSettings?: ModelSettings;
}

/** Asks the judge model to grade an output; picks the system prompt by which sections are given. */
export async function judgeOutput(options: JudgeOptions): Promise<GradingOutput> {
  const hasInput = 'inputs' in options;
  const hasExpected = 'expectedOutput' in options;
  const kind: JudgeKind = hasInput
    ? hasExpected ? 'judge_input_output_expected' : 'judge_input_output'
    : hasExpected ? 'judge_output_expected' : 'judge_output';
  const prompt = buildJudgePrompt(options);
  const result = await judgeAgent(kind).run(prompt, {
    model: options.model ?? defaultJudgeModel,
    ...(options.modelSettings ? { modelSettings: options.modelSettings } : {}),
  });
  return result.output;
}

/** How one of `LLMJudge`'s outputs is reported. */
export interface JudgeOutputConfig {
  /** Result name; default the evaluator's name (suffixed `_score`/`_pass` when both outputs are on). */
  evaluationName?: string;
  /** Attach the judge's reason. */
  includeReason?: boolean;
}

/** Options of `LLMJudge`. */
export interface LLMJudgeOptions extends EvaluatorOptions {
  rubric: string;
  /** Judge model (any rehearse `Model` or a known model name); default `setDefaultJudgeModel`'s. */
  model?: Model | KnownModelName;
  /** Show the case inputs to the judge; default `false`. */
  includeInput?: boolean;
  /** Show the expected output to the judge; default `false`. */
  includeExpectedOutput?: boolean;
  modelSettings?: ModelSettings;
  /** Report the judge's score (a number); default `false`. */
  score?: JudgeOutputConfig | false;
  /** Report the judge's pass/fail (an assertion); default `{ includeReason: true }`. */
  assertion?: JudgeOutputConfig | false;
}

/** Grades the output against a rubric with an LLM (pydantic-evals' `LLMJudge`). */
export class LLMJudge extends Evaluator {
  static readonly positionalArgument = 'rubric';
  readonly rubric: string;
  readonly model: Model | KnownModelName | undefined;
  readonly includeInput: boolean;
  readonly includeExpectedOutput: boolean;
  readonly modelSettings: ModelSettings | undefined;
  readonly score: JudgeOutputConfig | false;
  readonly assertion: JudgeOutputConfig | false;

  constructor(options: LLMJudgeOptions) {
    super(options);
    this.rubric = options.rubric;
    this.model = options.model;
    this.includeInput = options.includeInput ?? false;
    this.includeExpectedOutput = options.includeExpectedOutput ?? false;
    this.modelSettings = options.modelSettings;
    this.score = options.score ?? false;
    this.assertion = options.assertion ?? { includeReason: true };
  }

  async evaluate(ctx: EvaluatorContext): Promise<Record<string, EvaluationScalar | EvaluationReason>> {
    const grading = await judgeOutput({
      output: ctx.output,
      rubric: this.rubric,
      ...(this.includeInput ? { inputs: ctx.inputs } : {}),
      ...(this.includeExpectedOutput ? { expectedOutput: ctx.expectedOutput } : {}),
      ...(this.model === undefined ? {} : { model: this.model }),
      ...(this.modelSettings ? { modelSettings: this.modelSettings } : {}),
    });
    const out: Record<string, EvaluationScalar | EvaluationReason> = {};
    const both = this.score !== false && this.assertion !== false;
    const name = this.getDefaultEvaluationName();
    const put = (value: EvaluationScalar, config: JudgeOutputConfig, fallback: string) => {
      const key = config.evaluationName || fallback; // an empty name falls back, as pydantic-evals' `or`
      out[key] = config.includeReason ? { value, reason: grading.reason } : value;
    };
    if (this.score !== false) put(grading.score, this.score, both ? `${name}_score` : name);
    if (this.assertion !== false) put(grading.pass, this.assertion, both ? `${name}_pass` : name);
    return out;
  }

  /** Writes the model as its name (`{system}:{modelName}`) so the spec stays data. */
  override toSpec(): string | Record<string, unknown> {
    const spec = super.toSpec();
    if (typeof spec === 'string' || typeof this.model !== 'object') return spec;
    const args = spec[this.getSerializationName()] as Record<string, unknown>;
    return { [this.getSerializationName()]: { ...args, model: `${this.model.system}:${this.model.modelName}` } };
  }
}
