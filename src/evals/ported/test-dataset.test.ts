/**
 * Ported from pydantic-ai tests/evals/test_dataset.py: the functions not already ported in
 * src/evals/pydantic-evals-port.test.ts. Python's pydantic models are TypeScript classes; durations,
 * trace and span ids are matched loosely as the Python snapshots do (`_any_duration`, …).
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { Case } from '../case.js';
import { Dataset } from '../dataset.js';
import { Evaluator, type EvaluatorOutput } from '../evaluator.js';
import { Equals } from '../evaluators/common.js';
import { LLMJudge } from '../evaluators/llm-judge.js';
import { EvaluationReport } from '../report.js';
import { incrementEvalMetric, setEvalAttribute } from '../task-run.js';
import { answer, exampleCases, exampleDataset, SimpleEvaluator, TaskInput, TaskMetadata, TaskOutput, type Ctx } from './dataset-fixtures.js';

function expectedCase1(source: string) {
  return {
    name: 'case1',
    inputs: new TaskInput('What is 2+2?'),
    metadata: new TaskMetadata('easy', 'general'),
    expectedOutput: new TaskOutput('4'),
    output: new TaskOutput('4'),
    metrics: {},
    attributes: {},
    scores: { confidence: { name: 'confidence', value: 1.0, source } },
    labels: {},
    assertions: { correct: { name: 'correct', value: true, source } },
    taskDurationMs: expect.any(Number),
    totalDurationMs: expect.any(Number),
    evaluatorFailures: [],
  };
}

describe('ported from pydantic-ai tests/evals/test_dataset.py', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'rehearse-ported-dataset-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  // test_dataset_name_required, test_from_dict_without_name_raises: skipped, a rehearse dataset's
  // name is optional (reports are named after the task). test_from_dict_without_generic_params_warns:
  // TypeScript generics are erased, nothing to warn about.
  // test_evaluate_sync_replaces_closed_event_loop, test_evaluate_sync_creates_missing_event_loop,
  // test_evaluate_sync: skipped, JavaScript has no event loop to drive synchronously (no evaluateSync).

  it('test_from_file_uses_filename_as_default_name', async () => {
    const file = path.join(dir, 'my_dataset.yaml');
    await writeFile(file, 'cases:\n- name: test\n  inputs:\n    query: hello\n', 'utf8');
    expect((await Dataset.fromFile(file)).name).toBe('my_dataset');
  });

  it('test_dataset_init', () => {
    const dataset = new Dataset({ name: 'test_init', cases: exampleCases(), evaluators: [new SimpleEvaluator()] });
    expect(dataset.cases).toHaveLength(2);
    expect(dataset.cases[0]!.name).toBe('case1');
    expect(dataset.cases[1]!.name).toBe('case2');
    expect(dataset.evaluators).toHaveLength(1);
  });

  it('test_add_evaluator', () => {
    const example = exampleDataset();
    expect(example.evaluators).toHaveLength(0);
    example.addEvaluator(new SimpleEvaluator());
    expect(example.evaluators).toHaveLength(1);
    class MetadataEvaluator extends Evaluator<TaskInput, TaskOutput, TaskMetadata> {
      evaluate(ctx: Ctx): EvaluatorOutput {
        return ctx.metadata ? { difficulty: ctx.metadata.difficulty, category: ctx.metadata.category } : { result: 'no_metadata' };
      }
    }
    example.addEvaluator(new MetadataEvaluator());
    expect(example.evaluators).toHaveLength(2);

    // pydantic-evals' removed `Python` evaluator is replaced by `Equals`
    const dataset = new Dataset<TaskInput, number>({
      name: 'add_evaluator_test',
      cases: [new Case({ name: 'My Case 1', inputs: new TaskInput('What is 1+1?') }), new Case({ name: 'My Case 2', inputs: new TaskInput('What is 2+2?') })],
    });
    dataset.addEvaluator(new Equals({ value: 0, evaluationName: 'positive' }));
    dataset.addEvaluator(new Equals({ value: 2 }), { specificCase: 'My Case 1' });
    dataset.addEvaluator(new Equals({ value: 4 }), { specificCase: 'My Case 2' });
    expect(() => dataset.addEvaluator(new Equals({ value: 4 }), { specificCase: 'My Case 3' })).toThrow("Case 'My Case 3' not found in the dataset");
    expect(JSON.parse(JSON.stringify(dataset.toData()))).toEqual({
      name: 'add_evaluator_test',
      cases: [
        { evaluators: [{ Equals: 2 }], inputs: { query: 'What is 1+1?' }, name: 'My Case 1' },
        { evaluators: [{ Equals: 4 }], inputs: { query: 'What is 2+2?' }, name: 'My Case 2' },
      ],
      evaluators: [{ Equals: { value: 0, evaluationName: 'positive' } }],
    });
  });

  it('test_evaluate_async', async () => {
    const dataset = exampleDataset();
    dataset.addEvaluator(new SimpleEvaluator());
    const report = await dataset.evaluate(answer);
    expect(report.cases).toHaveLength(2);
    expect(report.cases[0]).toMatchObject(expectedCase1('SimpleEvaluator'));
  });

  // test_evaluate_async_callable_instance: skipped, JavaScript has no callable instances (`__call__`)

  it('test_evaluate_sync_callable_returning_awaitable', async () => {
    const dataset = exampleDataset();
    dataset.addEvaluator(new SimpleEvaluator());
    const task = (inputs: TaskInput): Promise<TaskOutput> => answer(inputs);
    const report = await dataset.evaluate(task, { progress: false });
    expect(report.cases).toHaveLength(2);
    expect(report.cases[0]!.output).toEqual(new TaskOutput('4'));
    expect(report.cases[1]!.output).toEqual(new TaskOutput('Paris'));
    expect(report.cases[0]!.output).not.toBeInstanceOf(Promise);
    expect(report.failures).toHaveLength(0);
  });

  it('test_evaluate_with_retried_task_and_evaluator', async () => {
    let taskAttempt = 0;
    const task = async (inputs: TaskInput) => {
      if (taskAttempt < 3) {
        taskAttempt++;
        throw new Error(`task failure ${taskAttempt}`);
      }
      return answer(inputs);
    };
    let evaluatorAttempt = 0;
    class RetryEvaluator extends SimpleEvaluator {
      override evaluate(ctx: Ctx): EvaluatorOutput {
        if (evaluatorAttempt < 3) {
          evaluatorAttempt++;
          throw new Error(`evaluator failure ${evaluatorAttempt}`);
        }
        return super.evaluate(ctx);
      }
    }
    const dataset = exampleDataset();
    dataset.addEvaluator(new RetryEvaluator());
    const report = await dataset.evaluate(task, { retryTask: { maxAttempts: 3 }, retryEvaluators: { maxAttempts: 3 } });
    expect(taskAttempt).toBe(3);
    expect(evaluatorAttempt).toBe(3);
    expect(report.cases).toHaveLength(2);
    expect(report.cases[0]).toMatchObject(expectedCase1('RetryEvaluator'));
  });

  it('test_evaluate_with_concurrency', async () => {
    const dataset = exampleDataset();
    dataset.addEvaluator(new SimpleEvaluator());
    const report = await dataset.evaluate(answer, { maxConcurrency: 1 });
    expect(report.cases).toHaveLength(2);
    expect(report.cases[0]).toMatchObject(expectedCase1('SimpleEvaluator'));
  });

  for (const maxConcurrency of [0, -1]) {
    it(`test_evaluate_with_invalid_max_concurrency[${maxConcurrency}]`, async () => {
      await expect(exampleDataset().evaluate(answer, { maxConcurrency })).rejects.toThrow(`maxConcurrency must be >= 1, got ${maxConcurrency}`);
    });
  }

  it('test_evaluate_with_failing_task', async () => {
    const dataset = exampleDataset();
    dataset.addEvaluator(new SimpleEvaluator());
    const report = await dataset.evaluate(async (inputs: TaskInput) => {
      // pydantic-evals raises ValueError; JavaScript's plain Error stands for it
      if (inputs.query === 'What is 2+2?') throw new Error('Task error');
      return new TaskOutput('Paris');
    });
    expect(report.cases).toEqual([
      expect.objectContaining({
        name: 'case2',
        inputs: new TaskInput('What is the capital of France?'),
        metadata: new TaskMetadata('medium', 'geography'),
        expectedOutput: new TaskOutput('Paris'),
        output: new TaskOutput('Paris'),
        metrics: {},
        attributes: {},
        scores: { confidence: { name: 'confidence', value: 1.0, source: 'SimpleEvaluator' } },
        labels: {},
        assertions: { correct: { name: 'correct', value: true, source: 'SimpleEvaluator' } },
        evaluatorFailures: [],
      }),
    ]);
    expect(report.failures).toEqual([
      expect.objectContaining({
        name: 'case1',
        inputs: new TaskInput('What is 2+2?'),
        metadata: new TaskMetadata('easy', 'general'),
        expectedOutput: new TaskOutput('4'),
        errorMessage: 'Error: Task error',
        errorStacktrace: expect.any(String),
      }),
    ]);
  });

  it('test_evaluate_with_failing_evaluator', async () => {
    class FailingEvaluator extends Evaluator<TaskInput, TaskOutput, TaskMetadata> {
      evaluate(): EvaluatorOutput {
        throw new Error('Evaluator error');
      }
    }
    const dataset = exampleDataset();
    dataset.addEvaluator(new FailingEvaluator());
    const report = await dataset.evaluate(async () => new TaskOutput('4'));
    const failure = { name: 'FailingEvaluator', errorMessage: 'Error: Evaluator error', errorStacktrace: expect.any(String), source: 'FailingEvaluator', errorType: 'Error' };
    expect(report.cases.map((c) => [c.name, c.output, c.scores, c.labels, c.assertions, c.evaluatorFailures])).toEqual([
      ['case1', new TaskOutput('4'), {}, {}, {}, [failure]],
      ['case2', new TaskOutput('4'), {}, {}, {}, [failure]],
    ]);
    expect(report.failures).toEqual([]);
  });

  it('test_increment_eval_metric: zero increments create no metric', async () => {
    const report = await exampleDataset().evaluate(async (inputs: TaskInput) => {
      for (const _ of inputs.query) incrementEvalMetric('chars', 1);
      incrementEvalMetric('phantom', 0); // doesn't get created due to being zero
      setEvalAttribute('is_about_france', inputs.query.includes('France'));
      return new TaskOutput(`answer to ${inputs.query}`);
    });
    expect(report.cases.map((c) => [c.name, c.output, c.metrics, c.attributes])).toEqual([
      ['case1', new TaskOutput('answer to What is 2+2?'), { chars: 12 }, { is_about_france: false }],
      ['case2', new TaskOutput('answer to What is the capital of France?'), { chars: 30 }, { is_about_france: true }],
    ]);
  });

  it('test_report_round_trip_serialization', async () => {
    class MockEvaluator extends Evaluator {
      constructor(readonly output: EvaluatorOutput) {
        super({ output });
      }
      evaluate(): EvaluatorOutput {
        return this.output;
      }
    }
    const dataset = exampleDataset();
    dataset.addEvaluator(new MockEvaluator({ output: 'a' }) as Evaluator<TaskInput, TaskOutput, TaskMetadata>);
    const report = await dataset.evaluate(async function my_task(inputs: TaskInput) {
      return new TaskOutput(`answer to ${inputs.query}`);
    });
    expect(report.name).toBe('my_task');
    expect(report.cases.map((c) => [c.name, c.labels])).toEqual([
      ['case1', { output: { name: 'output', value: 'a', source: 'MockEvaluator' } }],
      ['case2', { output: { name: 'output', value: 'a', source: 'MockEvaluator' } }],
    ]);
    // the JSON round trip (class instances come back as plain data)
    const back = EvaluationReport.fromJSON(JSON.parse(JSON.stringify(report)));
    expect(JSON.parse(JSON.stringify(back))).toEqual(JSON.parse(JSON.stringify(report)));
  });

  it('test_serialization_to_yaml', async () => {
    const file = path.join(dir, 'test_cases.yaml');
    await exampleDataset().toFile(file);
    const loaded = await Dataset.fromFile<{ query: string }>(file);
    expect(loaded.cases).toHaveLength(2);
    expect(loaded.name).toBe('example');
    expect(loaded.cases[0]!.name).toBe('case1');
    expect(loaded.cases[0]!.inputs.query).toBe('What is 2+2?');
  });

  it('test_serialization_to_yaml_preserves_unicode', async () => {
    const dataset = new Dataset({ name: 'unicode', cases: [new Case({ inputs: new TaskInput('Привет'), expectedOutput: new TaskOutput('Здравствуйте') })] });
    const file = path.join(dir, 'test_cases.yaml');
    await dataset.toFile(file);
    const content = await readFile(file, 'utf8');
    expect(content).toContain('Привет');
    expect(content).toContain('Здравствуйте');
  });

  it('test_deserializing_without_name: the name comes from the file stem', async () => {
    const file = path.join(dir, 'test_cases.yaml');
    await exampleDataset().toFile(file);
    const obj = YAML.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    delete obj['name'];
    await writeFile(file, YAML.stringify(obj), 'utf8');
    expect((await Dataset.fromFile(file)).name).toBe('test_cases');
  });

  it('test_serialization_to_json', async () => {
    const file = path.join(dir, 'test_cases.json');
    await exampleDataset().toFile(file, { format: 'json' });
    const loaded = await Dataset.fromFile<{ query: string }>(file);
    expect(loaded.cases).toHaveLength(2);
    expect(loaded.cases[0]!.name).toBe('case1');
    expect(loaded.cases[0]!.inputs.query).toBe('What is 2+2?');
    const raw = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    expect(typeof raw['$schema']).toBe('string');
    await expect(readFile(path.join(dir, raw['$schema'] as string), 'utf8')).resolves.toBeTypeOf('string');
  });

  // test_serialization_to_json_with_absolute_schema_path: skipped, rehearse's schemaPath is relative to the dataset file
  // test_serializing_parts_with_discriminators: skipped, needs pydantic discriminated unions (no TypeScript runtime types)

  it('test_serialization_errors: a file name without a known extension', async () => {
    await expect(Dataset.fromFile(path.join(dir, 'test_cases.abc'))).rejects.toThrow(/Cannot infer the format of '.*test_cases\.abc'/);
  });

  it('test_from_text', () => {
    const data = {
      name: 'my dataset',
      cases: [
        { name: '1', inputs: { query: 'What is the capital of Germany?' }, expected_output: { answer: 'Berlin', confidence: 0.9 }, metadata: { difficulty: 'hard', category: 'geography' } },
        {
          name: '2',
          inputs: { query: 'What is the capital of Germany?' },
          expected_output: { answer: 'Berlin', confidence: 0.9 },
          metadata: { difficulty: 'hard', category: 'geography' },
          evaluators: [{ LLMJudge: 'my rubric' }],
        },
      ],
      evaluators: [{ LLMJudge: 'my rubric' }],
    };
    const loaded = Dataset.fromText(JSON.stringify(data));
    expect(loaded.name).toBe('my dataset');
    expect(loaded.cases.map((c) => [c.name, c.inputs, c.metadata, c.expectedOutput, c.evaluators.length])).toEqual([
      ['1', { query: 'What is the capital of Germany?' }, { difficulty: 'hard', category: 'geography' }, { answer: 'Berlin', confidence: 0.9 }, 0],
      ['2', { query: 'What is the capital of Germany?' }, { difficulty: 'hard', category: 'geography' }, { answer: 'Berlin', confidence: 0.9 }, 1],
    ]);
    expect(loaded.cases[1]!.evaluators[0]).toBeInstanceOf(LLMJudge);
    expect((loaded.cases[1]!.evaluators[0] as LLMJudge).rubric).toBe('my rubric');
    expect(loaded.evaluators.map((e) => e.toSpec())).toEqual([{ LLMJudge: 'my rubric' }]);
  });

  it('test_from_text_failure: every problem is reported together', () => {
    const data = {
      cases: [{ name: 'text_case', inputs: { query: 'q' }, evaluators: ['NotAnEvaluator'] }],
      evaluators: ['NotAnEvaluator'],
    };
    // pydantic-evals raises an ExceptionGroup of 2; rehearse's DatasetLoadError lists both problems
    let error: unknown;
    try {
      Dataset.fromText(JSON.stringify(data));
    } catch (e) {
      error = e;
    }
    expect((error as Error).name).toBe('DatasetLoadError');
    expect(((error as Error).message.match(/Evaluator 'NotAnEvaluator' is not known/g) ?? []).length).toBe(2);
    const missingRubric = { cases: [{ name: 'text_case', inputs: { query: 'q' }, evaluators: ['LLMJudge'] }], evaluators: ['LLMJudge'] };
    expect(() => Dataset.fromText(JSON.stringify(missingRubric))).toThrow(/Evaluator 'LLMJudge' needs the option 'rubric'/);
  });

  it('test_duplicate_evaluator_failure', () => {
    class FirstEvaluator extends Evaluator {
      evaluate(): EvaluatorOutput {
        return false;
      }
    }
    class SecondEvaluator extends Evaluator {
      static readonly evaluatorName = 'FirstEvaluator';
      evaluate(): EvaluatorOutput {
        return false;
      }
    }
    expect(() => Dataset.fromText(JSON.stringify({ cases: [] }), { evaluatorTypes: [FirstEvaluator, SecondEvaluator] })).toThrow(
      "Duplicate evaluator class name: 'FirstEvaluator'",
    );
  });

  // test_invalid_evaluator_output_type: the `Python` evaluator is gone; covered by test_dataset_evaluate_with_invalid_evaluator_result

  it('test_dataset_evaluate_with_invalid_evaluator_result', async () => {
    class MyObject {}
    class InvalidEvaluator extends Evaluator<TaskInput, TaskOutput, TaskMetadata> {
      evaluate(): EvaluatorOutput {
        return new MyObject() as never;
      }
    }
    const dataset = exampleDataset();
    dataset.addEvaluator(new InvalidEvaluator());
    const report = await dataset.evaluate(async (inputs: TaskInput) => new TaskOutput(inputs.query.toUpperCase()));
    expect(report.failures).toEqual([]);
    for (const c of report.cases) {
      expect([c.scores, c.labels, c.assertions]).toEqual([{}, {}, {}]);
      expect(c.evaluatorFailures).toEqual([
        {
          name: 'InvalidEvaluator',
          // pydantic-evals: ValueError naming the evaluator and the value's repr
          errorMessage: 'TypeError: InvalidEvaluator.evaluate returned a value of an invalid type: MyObject {}.',
          errorStacktrace: expect.any(String),
          source: 'InvalidEvaluator',
          errorType: 'TypeError',
        },
      ]);
    }
    expect(report.cases.map((c) => c.output)).toEqual([new TaskOutput('WHAT IS 2+2?'), new TaskOutput('WHAT IS THE CAPITAL OF FRANCE?')]);
  });

  it('test_dataset_evaluate_with_no_expected_output', async () => {
    const dataset = new Dataset({ name: 'no_expected_output', cases: [new Case({ name: 'no_output', inputs: new TaskInput('hello'), metadata: new TaskMetadata('easy') })] });
    const report = await dataset.evaluate(async (inputs: TaskInput) => new TaskOutput(inputs.query.toUpperCase()));
    expect(report.cases).toHaveLength(1);
    expect(report.cases[0]!.name).toBe('no_output');
  });

  it('test_dataset_evaluate_with_no_metadata', async () => {
    const dataset = new Dataset({ name: 'no_metadata', cases: [new Case({ name: 'no_metadata', inputs: new TaskInput('hello'), expectedOutput: new TaskOutput('HELLO') })] });
    const report = await dataset.evaluate(async (inputs: TaskInput) => new TaskOutput(inputs.query.toUpperCase()));
    expect(report.cases).toHaveLength(1);
    expect(report.cases[0]!.name).toBe('no_metadata');
  });

  it('test_dataset_evaluate_with_empty_cases', async () => {
    const report = await new Dataset<TaskInput, TaskOutput>({ name: 'empty_cases', cases: [] }).evaluate(async (inputs) => new TaskOutput(inputs.query));
    expect(report.cases).toHaveLength(0);
  });

  it('test_dataset_evaluate_with_multiple_evaluators', async () => {
    class FirstEvaluator extends Evaluator<TaskInput, TaskOutput, TaskMetadata> {
      evaluate(ctx: Ctx): number {
        return ctx.output.answer.length;
      }
    }
    class SecondEvaluator extends Evaluator<TaskInput, TaskOutput, TaskMetadata> {
      evaluate(ctx: Ctx): number {
        return ctx.output.answer.length + 1;
      }
    }
    const dataset = exampleDataset();
    dataset.addEvaluator(new FirstEvaluator());
    dataset.addEvaluator(new SecondEvaluator());
    const report = await dataset.evaluate(async (inputs: TaskInput) => new TaskOutput(inputs.query.toUpperCase()));
    expect(report.cases).toHaveLength(2);
    expect(Object.keys(report.cases[0]!.scores)).toHaveLength(2);
  });

  it('test_unnamed_cases', async () => {
    const dataset = new Dataset<TaskInput, TaskOutput, TaskMetadata>({
      name: 'unnamed_cases',
      cases: [new Case({ inputs: new TaskInput('What is 1+1?') }), new Case({ name: 'My Case', inputs: new TaskInput('What is 2+2?') }), new Case({ inputs: new TaskInput('What is 1+2?') })],
    });
    const result = await dataset.evaluate(async () => new TaskOutput('4'));
    expect(dataset.cases.map((c) => c.name)).toEqual([undefined, 'My Case', undefined]);
    expect(result.cases.map((c) => c.name)).toEqual(['Case 1', 'My Case', 'Case 3']);
  });

  it('test_duplicate_case_names', () => {
    expect(
      () =>
        new Dataset({
          name: 'duplicate_test',
          cases: [new Case({ name: 'My Case', inputs: new TaskInput('What is 1+1?') }), new Case({ name: 'My Case', inputs: new TaskInput('What is 2+2?') })],
        }),
    ).toThrow("Duplicate case name: 'My Case'");
    const dataset = new Dataset<TaskInput>({ name: 'duplicate_test', cases: [new Case({ name: 'My Case', inputs: new TaskInput('What is 1+1?') })] });
    dataset.addCase({ name: 'My Other Case', inputs: new TaskInput('What is 2+2?') });
    expect(() => dataset.addCase({ name: 'My Case', inputs: new TaskInput('What is 1+2?') })).toThrow("Duplicate case name: 'My Case'");
  });

  // test_add_invalid_evaluator: skipped, TypeScript's types reject a non-Evaluator class, and no @dataclass exists
  // test_import_generate_dataset: skipped, rehearse has no dataset generation
  // test_evaluate_non_serializable_inputs: skipped, renders Python classes (`<class 'str'>`) in a rich table
  // test_evaluate_async_logfire, test_genai_attribute_collection: logfire-specific span snapshots, covered by rehearse's span tests

  it('test_evaluate_with_experiment_metadata', async () => {
    const experimentMetadata = { model: 'gpt-4o', prompt_version: 'v2.1', temperature: 0.7, max_tokens: 1000 };
    const report = await exampleDataset().evaluate(async (inputs: TaskInput) => new TaskOutput(inputs.query.toUpperCase()), { metadata: experimentMetadata });
    expect(report.experimentMetadata).toEqual(experimentMetadata);
    // and it survives the JSON round trip
    expect(EvaluationReport.fromJSON(JSON.parse(JSON.stringify(report))).experimentMetadata).toEqual(experimentMetadata);
  });

  // test_serialization_to_yaml_with_report_evaluators … test_duplicate_report_evaluator_class_name (10 tests):
  // skipped, rehearse has no report evaluators (ConfusionMatrixEvaluator, PrecisionRecallEvaluator, ReportEvaluator)
});
