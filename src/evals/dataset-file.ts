/**
 * Reading and writing dataset files (YAML or JSON) in pydantic-evals' format: `name`, `cases`
 * (`name`, `inputs`, `metadata`, `expected_output`, `evaluators`) and `evaluators`, evaluators
 * in the short forms `'Name'`, `{Name: arg}` and `{Name: {options}}`.
 */
import type { z } from 'zod';
import { zodModule } from '../runtime/zod-peer.js';
import { UserError } from '../runtime/index.js';
import { Case } from './case.js';
import type { Evaluator, EvaluatorClass } from './evaluator.js';

/** One problem found while loading a dataset file. */
export interface DatasetProblem {
  /** Case name (or `cases[i]` when unnamed); `undefined` for dataset-level problems. */
  case?: string;
  /** Dotted path inside the file, e.g. `cases.2.inputs.city`. */
  path: string;
  message: string;
}

/** A dataset file could not be loaded; `problems` lists every problem found, not just the first. */
export class DatasetLoadError extends Error {
  override readonly name = 'DatasetLoadError' as const;
  readonly file: string;
  readonly problems: DatasetProblem[];
  constructor(file: string, problems: DatasetProblem[]) {
    super(
      `${file}: ${problems.length} problem(s) loading the dataset:\n` +
        problems.map((p) => `  - ${p.case === undefined ? '' : `case '${p.case}', `}${p.path}: ${p.message}`).join('\n'),
    );
    this.file = file;
    this.problems = problems;
  }
}

/** Options shared by `Dataset.fromFile` and `Dataset.fromText`. */
export interface DatasetLoadOptions<I = unknown, O = unknown, M = unknown> {
  /** Custom evaluator classes that files may name, in addition to the built-ins. */
  evaluatorTypes?: readonly EvaluatorClass[];
  /** Validates (and parses) each case's `inputs`. */
  inputsSchema?: z.ZodType<I>;
  /** Validates each case's `expected_output`. */
  outputSchema?: z.ZodType<O>;
  /** Validates each case's `metadata`. */
  metadataSchema?: z.ZodType<M>;
  /** Dataset name when the file has none; `fromFile` uses the file's stem. */
  defaultName?: string;
}

/** Parsed parts of a dataset file. */
export interface LoadedDataset<I, O, M> {
  name: string | undefined;
  cases: Case<I, O, M>[];
  evaluators: Evaluator<I, O, M>[];
}

const snakeToCamel = (k: string) => k.replace(/_([a-z0-9])/g, (_, ch: string) => ch.toUpperCase());

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Builds an evaluator from its file form.
 * @throws UserError naming the evaluator when the form, name or options are invalid.
 */
export function loadEvaluatorSpec(spec: unknown, registry: ReadonlyMap<string, EvaluatorClass>): Evaluator {
  let name: string;
  let options: Record<string, unknown>;
  if (typeof spec === 'string') {
    name = spec;
    options = {};
  } else if (isPlainObject(spec) && Object.keys(spec).length === 1) {
    const [[key, value]] = Object.entries(spec) as [[string, unknown]];
    name = key;
    const cls = registry.get(name);
    if (isPlainObject(value) && !(cls?.positionalArgument === 'query' && !('query' in value))) {
      options = Object.fromEntries(Object.entries(value).map(([k, v]) => [snakeToCamel(k), v]));
    } else {
      if (cls && !cls.positionalArgument) throw new UserError(`Evaluator '${name}' takes no positional argument; use {${name}: {option: value}}`);
      options = { [cls?.positionalArgument ?? 'value']: value };
    }
  } else {
    // pydantic-evals: 'Expected a single key' for a mapping of several names
    throw new UserError(`Invalid evaluator spec ${JSON.stringify(spec)}: Expected a single key; use 'Name', {Name: arg} or {Name: {options}}`);
  }
  const cls = registry.get(name);
  if (!cls) {
    throw new UserError(`Evaluator '${name}' is not known; known: ${[...registry.keys()].sort().join(', ')}. Pass custom classes in evaluatorTypes.`);
  }
  if (cls.positionalArgument && !(cls.positionalArgument in options)) {
    throw new UserError(`Evaluator '${name}' needs the option '${cls.positionalArgument}'`);
  }
  try {
    return new cls(options as never);
  } catch (error) {
    throw new UserError(`Evaluator '${name}' could not be built from ${JSON.stringify(options)}: ${(error as Error).message}`);
  }
}

/**
 * Registry of evaluator classes by serialization name; a custom class overrides a built-in of its name.
 * @throws UserError when two different custom classes share a name.
 */
export function buildRegistry(builtins: readonly EvaluatorClass[], custom: readonly EvaluatorClass[] = []): Map<string, EvaluatorClass> {
  const customByName = new Map<string, EvaluatorClass>();
  for (const c of custom) {
    const name = c.evaluatorName ?? c.name;
    const seen = customByName.get(name);
    // two different classes under one name (pydantic-evals: 'Duplicate evaluator class name')
    if (seen !== undefined && seen !== c) throw new UserError(`Duplicate evaluator class name: '${name}'`);
    customByName.set(name, c);
  }
  const m = new Map<string, EvaluatorClass>();
  for (const c of [...builtins, ...custom]) m.set(c.evaluatorName ?? c.name, c);
  return m;
}

function issuePath(base: (string | number)[], issuePathParts: readonly PropertyKey[]): string {
  return [...base, ...issuePathParts.map((p) => (typeof p === 'symbol' ? String(p) : p))].join('.');
}

const CASE_KEYS = new Set(['name', 'inputs', 'metadata', 'expected_output', 'expectedOutput', 'evaluators']);
const DATASET_KEYS = new Set(['$schema', 'name', 'cases', 'evaluators', 'report_evaluators', 'reportEvaluators']);

/**
 * Validates parsed file data and builds cases and evaluators.
 * @throws DatasetLoadError with every problem found.
 */
export function datasetFromData<I, O, M>(
  data: unknown,
  file: string,
  registry: ReadonlyMap<string, EvaluatorClass>,
  options: DatasetLoadOptions<I, O, M>,
): LoadedDataset<I, O, M> {
  const problems: DatasetProblem[] = [];
  if (!isPlainObject(data)) throw new DatasetLoadError(file, [{ path: '(root)', message: 'expected a mapping with `cases`' }]);
  for (const k of Object.keys(data)) if (!DATASET_KEYS.has(k)) problems.push({ path: k, message: 'unknown key' });
  const reportEvaluators = data['report_evaluators'] ?? data['reportEvaluators'];
  if (Array.isArray(reportEvaluators) && reportEvaluators.length > 0) {
    problems.push({ path: 'report_evaluators', message: 'report evaluators are not supported by rehearse' });
  }
  if (data['name'] !== undefined && data['name'] !== null && typeof data['name'] !== 'string') problems.push({ path: 'name', message: 'expected a string' });
  const loadEvaluators = (list: unknown, path: string, caseName?: string): Evaluator<I, O, M>[] => {
    if (list === undefined || list === null) return [];
    if (!Array.isArray(list)) {
      problems.push({ ...(caseName === undefined ? {} : { case: caseName }), path, message: 'expected a list of evaluators' });
      return [];
    }
    const out: Evaluator<I, O, M>[] = [];
    list.forEach((spec, i) => {
      try {
        out.push(loadEvaluatorSpec(spec, registry) as Evaluator<I, O, M>);
      } catch (error) {
        problems.push({ ...(caseName === undefined ? {} : { case: caseName }), path: `${path}.${i}`, message: (error as Error).message });
      }
    });
    return out;
  };
  const evaluators = loadEvaluators(data['evaluators'], 'evaluators');
  const cases: Case<I, O, M>[] = [];
  const rawCases = data['cases'];
  if (!Array.isArray(rawCases)) problems.push({ path: 'cases', message: 'expected a list of cases' });
  const seen = new Set<string>();
  (Array.isArray(rawCases) ? rawCases : []).forEach((raw, i) => {
    const label = isPlainObject(raw) && typeof raw['name'] === 'string' ? raw['name'] : `cases[${i}]`;
    const problem = (path: string, message: string) => problems.push({ case: label, path, message });
    if (!isPlainObject(raw)) {
      problem(`cases.${i}`, 'expected a mapping');
      return;
    }
    for (const k of Object.keys(raw)) if (!CASE_KEYS.has(k)) problem(`cases.${i}.${k}`, 'unknown key');
    if (raw['name'] !== undefined && raw['name'] !== null && typeof raw['name'] !== 'string') problem(`cases.${i}.name`, 'expected a string');
    if (typeof raw['name'] === 'string') {
      if (seen.has(raw['name'])) problem(`cases.${i}.name`, `duplicate case name '${raw['name']}'`);
      seen.add(raw['name']);
    }
    if (!('inputs' in raw)) problem(`cases.${i}.inputs`, 'required');
    const validate = <T>(schema: z.ZodType<T> | undefined, value: unknown, key: string): T | undefined => {
      if (value === undefined || value === null) return undefined;
      if (!schema) return value as T;
      const r = schema.safeParse(value);
      if (r.success) return r.data;
      for (const issue of r.error.issues) problem(issuePath(['cases', i, key], issue.path), issue.message);
      return undefined;
    };
    let inputs: I | undefined;
    if ('inputs' in raw) {
      if (options.inputsSchema) {
        const r = options.inputsSchema.safeParse(raw['inputs']);
        if (r.success) inputs = r.data;
        else for (const issue of r.error.issues) problem(issuePath(['cases', i, 'inputs'], issue.path), issue.message);
      } else inputs = raw['inputs'] as I;
    }
    const expectedKey = 'expected_output' in raw ? 'expected_output' : 'expectedOutput';
    const expectedOutput = validate(options.outputSchema, raw[expectedKey], expectedKey);
    const metadata = validate(options.metadataSchema, raw['metadata'], 'metadata');
    const caseEvaluators = loadEvaluators(raw['evaluators'], `cases.${i}.evaluators`, label);
    cases.push(
      new Case<I, O, M>({
        ...(typeof raw['name'] === 'string' ? { name: raw['name'] } : {}),
        inputs: inputs as I,
        ...(expectedOutput === undefined ? {} : { expectedOutput }),
        ...(metadata === undefined ? {} : { metadata }),
        evaluators: caseEvaluators,
      }),
    );
  });
  if (problems.length) throw new DatasetLoadError(file, problems);
  const name = typeof data['name'] === 'string' ? data['name'] : options.defaultName;
  return { name, cases, evaluators };
}

/** Options of `Dataset.jsonSchema`. */
export interface DatasetSchemaOptions {
  inputsSchema?: z.ZodType;
  outputSchema?: z.ZodType;
  metadataSchema?: z.ZodType;
  /** Custom evaluator classes to list besides the built-ins. */
  evaluatorTypes?: readonly EvaluatorClass[];
}

/** The JSON Schema of a dataset file (for editor completion via `yaml-language-server`). */
export function datasetJsonSchema(builtins: readonly EvaluatorClass[], options: DatasetSchemaOptions = {}): Record<string, unknown> {
  const { z } = zodModule();
  const names = [...buildRegistry(builtins, options.evaluatorTypes ?? []).keys()];
  const [first, ...rest] = names;
  const spec = first === undefined
    ? z.unknown()
    : z.union([
        z.enum([first, ...rest]),
        ...names.map((n) => z.object({ [n]: z.unknown() }).strict()),
      ]);
  const evaluators = z.array(spec).optional();
  const caseSchema = z
    .object({
      name: z.string().optional(),
      inputs: options.inputsSchema ?? z.unknown(),
      metadata: (options.metadataSchema ?? z.unknown()).optional(),
      expected_output: (options.outputSchema ?? z.unknown()).optional(),
      evaluators,
    })
    .strict();
  const schema = z
    .object({
      $schema: z.string().optional(),
      name: z.string().optional(),
      cases: z.array(caseSchema),
      evaluators,
    })
    .strict();
  return z.toJSONSchema(schema, { unrepresentable: 'any', io: 'input' }) as Record<string, unknown>;
}
