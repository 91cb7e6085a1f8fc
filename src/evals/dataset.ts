/**
 * `Dataset`: cases plus evaluators, evaluated against a task (pydantic-evals' `dataset.py`).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type YAMLModule from 'yaml';
import { UserError } from '../runtime/index.js';
import { Case, type CaseOptions } from './case.js';
import {
  buildRegistry,
  datasetFromData,
  datasetJsonSchema,
  DatasetLoadError,
  type DatasetLoadOptions,
  type DatasetSchemaOptions,
} from './dataset-file.js';
import type { Evaluator } from './evaluator.js';
import { BUILTIN_EVALUATORS } from './evaluators/builtins.js';
import { lazyModule } from './lazy.js';
import type { EvaluationReport } from './report.js';
import { runEvaluation, type EvaluateOptions, type Task } from './runner.js';

/** Options of `new Dataset(...)`. */
export interface DatasetOptions<I, O, M> {
  name?: string;
  /**
   * The cases: an array or any iterable (e.g. a generator), read once here into `cases` (names
   * are checked for duplicates, so all are held). To run cases made on demand and not kept once
   * reported, pass the iterable to `runEvaluation({ cases })` instead.
   */
  cases?: Iterable<Case<I, O, M>>;
  /** Run on every case, after the case's own evaluators. */
  evaluators?: Evaluator<I, O, M>[];
}

/** Options of `dataset.toFile(path, ...)`. */
export interface ToFileOptions extends DatasetSchemaOptions {
  /** `'yaml'` or `'json'`; default from the extension. */
  format?: 'yaml' | 'json';
  /**
   * Where to write the JSON Schema, relative to the dataset file; `{stem}` is the file's stem.
   * Default `'./{stem}_schema.json'` (as pydantic-evals); `null` writes none.
   */
  schemaPath?: string | null;
}

function inferFormat(file: string, format?: 'yaml' | 'json'): 'yaml' | 'json' {
  if (format) return format;
  const ext = path.extname(file).toLowerCase();
  if (ext === '.yaml' || ext === '.yml') return 'yaml';
  if (ext === '.json') return 'json';
  throw new UserError(`Cannot infer the format of '${file}' from its extension; pass format: 'yaml' or 'json'`);
}

const YAML = lazyModule<typeof YAMLModule>('yaml');

/**
 * A dataset path as a file system path: a `file:` URL (or its string) is converted, a relative
 * path is resolved against `baseDir` (a folder path, or a module URL such as `import.meta.url`,
 * whose folder is used), else the working directory.
 * @throws UserError for a URL that is not `file:`.
 */
export function resolveDatasetPath(file: string | URL, baseDir?: string | URL): string {
  const toPath = (x: string | URL): string => {
    if (x instanceof URL || x.startsWith('file:')) {
      const url = new URL(String(x));
      if (url.protocol !== 'file:') throw new UserError(`Only file: URLs name dataset files, got '${url.href}'`);
      return fileURLToPath(url);
    }
    return x;
  };
  const p = toPath(file);
  if (path.isAbsolute(p)) return p;
  if (baseDir === undefined) return path.resolve(p);
  const isModuleUrl = baseDir instanceof URL || baseDir.startsWith('file:');
  const base = toPath(baseDir);
  return path.resolve(isModuleUrl ? path.dirname(base) : base, p);
}

const YAML_SCHEMA_PREFIX = '# yaml-language-server: $schema=';

/** Cases and evaluators to run against a task. Case names must be unique. */
export class Dataset<I = unknown, O = unknown, M = unknown> {
  name: string | undefined;
  readonly cases: Case<I, O, M>[] = [];
  readonly evaluators: Evaluator<I, O, M>[];

  /** @throws UserError on a duplicate case name. */
  constructor(options: DatasetOptions<I, O, M> = {}) {
    this.name = options.name;
    this.evaluators = [...(options.evaluators ?? [])];
    for (const c of options.cases ?? []) this.pushCase(c);
  }

  private readonly caseNames = new Set<string>();

  private pushCase(c: Case<I, O, M>): void {
    if (c.name !== undefined) {
      if (this.caseNames.has(c.name) || (this.caseNames.size < this.cases.length && this.cases.some((x) => x.name === c.name))) {
        // (the scan covers cases pushed onto `cases` directly)
        throw new UserError(`Duplicate case name: '${c.name}'`);
      }
      this.caseNames.add(c.name);
    }
    this.cases.push(c);
  }

  /** Adds a case. @throws UserError on a duplicate name. */
  addCase(c: Case<I, O, M> | CaseOptions<I, O, M>): Case<I, O, M> {
    const created = c instanceof Case ? c : new Case(c);
    this.pushCase(created);
    return created;
  }

  /**
   * Adds an evaluator to every case, or with `specificCase` to that case only.
   * @throws UserError when `specificCase` names no case.
   */
  addEvaluator(evaluator: Evaluator<I, O, M>, options: { specificCase?: string } = {}): void {
    if (options.specificCase === undefined) {
      this.evaluators.push(evaluator);
      return;
    }
    const target = this.cases.find((c) => c.name === options.specificCase);
    if (!target) throw new UserError(`Case '${options.specificCase}' not found in the dataset`);
    target.evaluators.push(evaluator);
  }

  /**
   * Runs `task` on every case (concurrently up to `maxConcurrency`), evaluates the outputs and
   * returns the report. A throwing task becomes a `ReportCaseFailure`, a throwing evaluator an
   * `EvaluatorFailure` on its case.
   */
  evaluate(task: Task<I, O>, options: EvaluateOptions<I, O, M> = {}): Promise<EvaluationReport<I, O, M>> {
    return runEvaluation({ cases: this.cases, evaluators: this.evaluators, task, options });
  }

  /**
   * Parses a dataset from YAML or JSON text.
   * @throws DatasetLoadError listing every problem (with case name and path), naming `source`.
   */
  static fromText<I = unknown, O = unknown, M = unknown>(
    text: string,
    options: DatasetLoadOptions<I, O, M> & { format?: 'yaml' | 'json'; source?: string } = {},
  ): Dataset<I, O, M> {
    const source = options.source ?? '<text>';
    let data: unknown;
    try {
      data = options.format === 'json' ? JSON.parse(text) : YAML().parse(text);
    } catch (error) {
      throw new DatasetLoadError(source, [{ path: '(root)', message: `not valid ${options.format === 'json' ? 'JSON' : 'YAML'}: ${(error as Error).message}` }]);
    }
    const registry = buildRegistry(BUILTIN_EVALUATORS, options.evaluatorTypes ?? []);
    const loaded = datasetFromData<I, O, M>(data, source, registry, options);
    return new Dataset<I, O, M>({ ...(loaded.name === undefined ? {} : { name: loaded.name }), cases: loaded.cases, evaluators: loaded.evaluators });
  }

  /**
   * Reads a dataset file (`.yaml`, `.yml` or `.json`), pydantic-evals' format included. The name
   * defaults to the file's stem. `file` is a path or a `file:` URL; to name a file beside the
   * calling module, pass `new URL('./cases.yaml', import.meta.url)` or a relative path with
   * `baseDir: import.meta.url`. A relative path without `baseDir` is resolved against the working
   * directory (see `resolveDatasetPath`).
   * @throws DatasetLoadError naming the file (as resolved) and listing every problem.
   */
  static async fromFile<I = unknown, O = unknown, M = unknown>(
    file: string | URL,
    options: DatasetLoadOptions<I, O, M> & { format?: 'yaml' | 'json'; baseDir?: string | URL } = {},
  ): Promise<Dataset<I, O, M>> {
    const { baseDir, ...rest } = options;
    const resolved = resolveDatasetPath(file, baseDir);
    const format = inferFormat(resolved, options.format);
    let text: string;
    try {
      text = await readFile(resolved, 'utf8');
    } catch (error) {
      const hint = typeof file === 'string' && !path.isAbsolute(file) && !file.startsWith('file:') && baseDir === undefined
        ? ` (a relative path is resolved against the working directory ${process.cwd()}; for a file beside your module use new URL('${file}', import.meta.url))`
        : '';
      throw new DatasetLoadError(resolved, [{ path: '(file)', message: `${(error as Error).message}${hint}` }]);
    }
    file = resolved;
    options = rest;
    return Dataset.fromText<I, O, M>(text, { defaultName: path.basename(file, path.extname(file)), ...options, format, source: file });
  }

  /** The JSON Schema of a dataset file with the given case schemas and evaluator classes. */
  static jsonSchema(options: DatasetSchemaOptions = {}): Record<string, unknown> {
    return datasetJsonSchema(BUILTIN_EVALUATORS, options);
  }

  /** The file data: `name`, `cases` (`expected_output` in pydantic-evals' spelling) and evaluator specs. */
  toData(): Record<string, unknown> {
    return {
      ...(this.name === undefined ? {} : { name: this.name }),
      cases: this.cases.map((c) => ({
        ...(c.name === undefined ? {} : { name: c.name }),
        inputs: c.inputs,
        ...(c.metadata === undefined ? {} : { metadata: c.metadata }),
        ...(c.expectedOutput === undefined ? {} : { expected_output: c.expectedOutput }),
        ...(c.evaluators.length ? { evaluators: c.evaluators.map((e) => e.toSpec()) } : {}),
      })),
      ...(this.evaluators.length ? { evaluators: this.evaluators.map((e) => e.toSpec()) } : {}),
    };
  }

  /**
   * Writes the dataset as YAML (with a `# yaml-language-server: $schema=…` header) or JSON (with
   * a `$schema` key), and the JSON Schema beside it.
   */
  async toFile(file: string | URL, options: ToFileOptions = {}): Promise<void> {
    file = resolveDatasetPath(file);
    const format = inferFormat(file, options.format);
    const stem = path.basename(file, path.extname(file));
    const schemaRef = options.schemaPath === null ? undefined : (options.schemaPath ?? './{stem}_schema.json').replaceAll('{stem}', stem);
    await mkdir(path.dirname(file), { recursive: true });
    if (schemaRef !== undefined) {
      const schemaFile = path.resolve(path.dirname(file), schemaRef);
      await mkdir(path.dirname(schemaFile), { recursive: true });
      await writeFile(schemaFile, `${JSON.stringify(Dataset.jsonSchema(options), null, 2)}\n`);
    }
    const data = this.toData();
    if (format === 'json') {
      await writeFile(file, `${JSON.stringify({ ...(schemaRef === undefined ? {} : { $schema: schemaRef }), ...data }, null, 2)}\n`);
    } else {
      const header = schemaRef === undefined ? '' : `${YAML_SCHEMA_PREFIX}${schemaRef}\n`;
      await writeFile(file, header + YAML().stringify(data));
    }
  }
}

