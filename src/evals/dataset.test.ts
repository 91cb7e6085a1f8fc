import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { z } from 'zod';
import { UserError } from '../runtime/index.js';
import { Case } from './case.js';
import { Dataset } from './dataset.js';
import { DatasetLoadError } from './dataset-file.js';
import { Evaluator, type EvaluatorOptions } from './evaluator.js';
import { Contains, EqualsExpected, HasMatchingSpan, MaxDuration } from './evaluators/common.js';
import { ArgumentCorrectness, ToolCorrectness } from './evaluators/agentic.js';
import type { EvaluatorContext } from './evaluator-context.js';

class LengthAtMost extends Evaluator {
  static readonly positionalArgument = 'maxLength';
  readonly maxLength: number;
  constructor(options: { maxLength: number } & EvaluatorOptions) {
    super(options);
    this.maxLength = options.maxLength;
  }
  evaluate(ctx: EvaluatorContext): boolean {
    return String(ctx.output).length <= this.maxLength;
  }
}

// A dataset as pydantic-evals writes it (snake_case keys and evaluator arguments).
const PYDANTIC_YAML = `# yaml-language-server: $schema=./questions_schema.json
name: questions
cases:
- name: capital
  inputs:
    question: What is the capital of France?
  metadata:
    difficulty: easy
  expected_output: Paris
  evaluators:
  - Contains: Paris
  - Contains:
      value: paris
      case_sensitive: false
- name: weather
  inputs:
    question: Weather in Paris?
  evaluators:
  - ToolCorrectness:
      expected_tools: [get_weather]
      allow_extra: true
  - ArgumentCorrectness:
      tool_name: get_weather
      expected_arguments: {city: Paris}
  - HasMatchingSpan:
      query:
        name_contains: execute_tool
        not_: {has_status: error}
evaluators:
- EqualsExpected
- MaxDuration: 2.5
- LengthAtMost: 20
`;

describe('Dataset', () => {
  it('rejects duplicate case names and adds cases and evaluators', () => {
    expect(() => new Dataset({ cases: [new Case({ name: 'a', inputs: 1 }), new Case({ name: 'a', inputs: 2 })] })).toThrow(UserError);
    const ds = new Dataset<number, number>({ name: 'd' });
    ds.addCase({ name: 'a', inputs: 1 });
    expect(() => ds.addCase(new Case({ name: 'a', inputs: 3 }))).toThrow("Duplicate case name: 'a'");
    ds.addEvaluator(new EqualsExpected());
    ds.addEvaluator(new MaxDuration({ seconds: 1 }), { specificCase: 'a' });
    expect(ds.evaluators).toHaveLength(1);
    expect(ds.cases[0]!.evaluators).toHaveLength(1);
    expect(() => ds.addEvaluator(new EqualsExpected(), { specificCase: 'zz' })).toThrow("Case 'zz' not found in the dataset");
  });

  it('reads a pydantic-evals YAML dataset with short forms and snake_case options', () => {
    const ds = Dataset.fromText(PYDANTIC_YAML, { evaluatorTypes: [LengthAtMost] });
    expect(ds.name).toBe('questions');
    expect(ds.cases.map((c) => c.name)).toEqual(['capital', 'weather']);
    expect(ds.cases[0]!.expectedOutput).toBe('Paris');
    expect(ds.cases[0]!.metadata).toEqual({ difficulty: 'easy' });
    const [c1, c2] = ds.cases[0]!.evaluators as [Contains, Contains];
    expect([c1.value, c1.caseSensitive, c2.value, c2.caseSensitive]).toEqual(['Paris', true, 'paris', false]);
    const [tc, ac, hs] = ds.cases[1]!.evaluators as [ToolCorrectness, ArgumentCorrectness, HasMatchingSpan];
    expect([tc.expectedTools, tc.allowExtra]).toEqual([['get_weather'], true]);
    expect([ac.toolName, ac.expectedArguments]).toEqual(['get_weather', { city: 'Paris' }]);
    expect(hs.query).toEqual({ nameContains: 'execute_tool', not: { hasStatus: 'error' } });
    expect(ds.evaluators.map((e) => e.getSerializationName())).toEqual(['EqualsExpected', 'MaxDuration', 'LengthAtMost']);
    expect((ds.evaluators[1] as MaxDuration).seconds).toBe(2.5);
  });

  it('reports every problem with case name and path, naming the file', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'rehearse-ds-'));
    const file = path.join(dir, 'bad.yaml');
    await writeFile(
      file,
      YAML.stringify({
        cases: [
          { name: 'one', inputs: { city: 3 }, expected_output: 'x', evaluators: ['Nope'] },
          { name: 'two', inputs: { city: 'Paris' }, metadata: { level: 'hard' }, extra: 1 },
          { name: 'one', expected_output: 5 },
        ],
        evaluators: [{ Contains: { case_sensitive: false } }],
      }),
    );
    const err = await Dataset.fromFile(file, {
      inputsSchema: z.object({ city: z.string() }),
      outputSchema: z.number(),
      metadataSchema: z.object({ level: z.enum(['easy', 'medium']) }),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatasetLoadError);
    const e = err as DatasetLoadError;
    expect(e.file).toBe(file);
    expect(e.message.startsWith(`${file}: `)).toBe(true);
    const summary = e.problems.map((p) => `${p.case ?? '-'} | ${p.path}`);
    expect(summary).toEqual([
      "- | evaluators.0",
      'one | cases.0.inputs.city',
      'one | cases.0.expected_output',
      'one | cases.0.evaluators.0',
      'two | cases.1.extra',
      'two | cases.1.metadata.level',
      'one | cases.2.name',
      'one | cases.2.inputs',
    ]);
    expect(e.problems[0]!.message).toMatch(/Evaluator 'Contains' needs the option 'value'/);
    expect(e.problems[3]!.message).toMatch(/Evaluator 'Nope' is not known/);
    expect(e.problems[6]!.message).toBe("duplicate case name 'one'");
  });

  it('validates and parses inputs with zod schemas', () => {
    const ds = Dataset.fromText('cases:\n- inputs: {n: "3"}\n  expected_output: 6\n', {
      inputsSchema: z.object({ n: z.coerce.number() }),
      outputSchema: z.number(),
      defaultName: 'coerce',
    });
    expect(ds.name).toBe('coerce');
    expect(ds.cases[0]!.inputs).toEqual({ n: 3 });
  });

  it('round-trips through YAML and JSON files with a schema beside them', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'rehearse-ds-'));
    const ds = new Dataset<{ q: string }, string, { tag: string }>({
      name: 'rt',
      cases: [
        new Case({ name: 'a', inputs: { q: 'x' }, expectedOutput: 'X', metadata: { tag: 't' }, evaluators: [new Contains({ value: 'X', caseSensitive: false })] }),
        new Case({ name: 'b', inputs: { q: 'y' } }),
      ],
      evaluators: [new EqualsExpected(), new MaxDuration({ seconds: 1 }), new ToolCorrectness({ expectedTools: ['t'] })],
    });
    const schemas = { inputsSchema: z.object({ q: z.string() }), outputSchema: z.string(), metadataSchema: z.object({ tag: z.string() }) };
    const yamlFile = path.join(dir, 'rt.yaml');
    await ds.toFile(yamlFile, schemas);
    const text = await readFile(yamlFile, 'utf8');
    expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=./rt_schema.json');
    expect(text).toContain('expected_output: X');
    expect(text).toContain('- MaxDuration: 1');
    const schema = JSON.parse(await readFile(path.join(dir, 'rt_schema.json'), 'utf8')) as Record<string, unknown>;
    expect(schema).toMatchObject({ type: 'object', required: ['cases'] });
    expect(JSON.stringify(schema)).toContain('"ToolCorrectness"');
    const back = await Dataset.fromFile(yamlFile, schemas);
    expect(back.toData()).toEqual(ds.toData());

    const jsonFile = path.join(dir, 'rt.json');
    await ds.toFile(jsonFile, { schemaPath: 'schemas/{stem}.schema.json' });
    const json = JSON.parse(await readFile(jsonFile, 'utf8')) as Record<string, unknown>;
    expect(json['$schema']).toBe('schemas/rt.schema.json');
    await expect(readFile(path.join(dir, 'schemas', 'rt.schema.json'), 'utf8')).resolves.toContain('"cases"');
    expect((await Dataset.fromFile(jsonFile)).toData()).toEqual(ds.toData());
    await expect(ds.toFile(path.join(dir, 'rt.txt'))).rejects.toThrow(/Cannot infer the format/);
  });

  it('builds the JSON Schema with z.toJSONSchema', () => {
    const schema = Dataset.jsonSchema({ inputsSchema: z.object({ q: z.string() }), evaluatorTypes: [LengthAtMost] });
    const text = JSON.stringify(schema);
    expect(text).toContain('"LengthAtMost"');
    expect(text).toContain('"q":{"type":"string"}');
  });
});

describe('Dataset.fromFile paths (issue 11)', () => {
  it('accepts a file: URL, and a relative path with baseDir (a folder or a module URL)', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'rehearse-ds-'));
    await writeFile(path.join(dir, 'cases.yaml'), 'cases:\n  - name: a\n    inputs: 1\n');
    const byUrl = await Dataset.fromFile(pathToFileURL(path.join(dir, 'cases.yaml')));
    expect(byUrl.name).toBe('cases');
    expect((await Dataset.fromFile('cases.yaml', { baseDir: dir })).cases.map((c) => c.name)).toEqual(['a']);
    expect((await Dataset.fromFile('./cases.yaml', { baseDir: pathToFileURL(path.join(dir, 'my.eval.ts')).href })).cases).toHaveLength(1);
    await expect(Dataset.fromFile('nowhere/cases.yaml')).rejects.toThrow("new URL('nowhere/cases.yaml', import.meta.url)");
    await expect(Dataset.fromFile(new URL('https://example.com/x.yaml'))).rejects.toThrow('Only file: URLs name dataset files');
  });
});
