/**
 * Finds `*.eval.{ts,mts,cts,js,mjs,cjs}` files and loads the suites they export. TypeScript files
 * load through tsx's programmatic API (`tsImport`, loaded only when a `.ts` file is met), which
 * handles ESM and CommonJS packages alike with no extra files; JavaScript files load with plain
 * `import()`. A file that fails to load is recorded with its stack and the others still load.
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { isEvalSuite, type EvalSuite } from '../evals/define-eval.js';
import { describeThrown } from '../evals/thrown.js';

/** File names `rehearse eval` runs. */
export const EVAL_FILE = /\.eval\.(?:ts|mts|cts|js|mjs|cjs)$/;

/** A usage mistake: printed as `rehearse eval: …`, exit 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError' as const;
}

/** A suite found in a file. */
export interface LoadedSuite {
  file: string;
  exportName: string;
  suite: EvalSuite;
}

/** A file that could not be loaded (or exports no suite). */
export interface LoadError {
  /** Relative to the working directory. */
  file: string;
  message: string;
  stack: string;
}

/** The eval files under `target` (a file is taken as is), sorted, skipping `node_modules` and dot-folders. */
export async function findEvalFiles(target: string): Promise<string[]> {
  let s;
  try {
    s = await stat(target);
  } catch {
    throw new UsageError(`${target}: no such file or directory`);
  }
  if (s.isFile()) return [target];
  const out: string[] = [];
  const walk = async (dir: string) => {
    for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
      const p = path.join(dir, entry.name);
      if (entry.isDirectory()) await walk(p);
      else if (EVAL_FILE.test(entry.name)) out.push(p);
    }
  };
  await walk(target);
  return out;
}

type TsImport = (specifier: string, parent: string) => Promise<Record<string, unknown>>;
let tsImport: TsImport | undefined;

async function importFile(file: string): Promise<Record<string, unknown>> {
  const url = pathToFileURL(file).href;
  if (/\.[mc]?ts$/.test(file)) {
    tsImport ??= ((await import('tsx/esm/api')) as { tsImport: TsImport }).tsImport;
    return tsImport(url, import.meta.url);
  }
  return (await import(url)) as Record<string, unknown>;
}

/** Named exports, plus the properties of a CommonJS `module.exports` seen as `default`. */
function exportsOf(mod: Record<string, unknown>): [string, unknown][] {
  const entries = Object.entries(mod).filter(([k]) => k !== 'default' && k !== 'module.exports');
  const def = mod['default'];
  if (isEvalSuite(def)) entries.push(['default', def]);
  else if (typeof def === 'object' && def !== null) {
    for (const [k, v] of Object.entries(def)) if (!entries.some(([, x]) => x === v)) entries.push([k, v]);
  }
  return entries;
}

/** Loads every file; suites in file order, and one `LoadError` per file that failed. */
export async function loadSuites(files: readonly string[], cwd: string): Promise<{ suites: LoadedSuite[]; errors: LoadError[] }> {
  const suites: LoadedSuite[] = [];
  const errors: LoadError[] = [];
  for (const file of files) {
    const rel = path.relative(cwd, file) || file;
    let mod: Record<string, unknown>;
    try {
      mod = await importFile(file);
    } catch (error) {
      const d = describeThrown(error);
      errors.push({ file: rel, message: `failed to load ${rel}: ${d.errorMessage}`, stack: d.errorStacktrace });
      continue;
    }
    const found = exportsOf(mod).filter(([, v]) => isEvalSuite(v));
    if (!found.length) {
      errors.push({ file: rel, message: `${rel} exports no suites made with defineEval`, stack: '' });
      continue;
    }
    for (const [exportName, suite] of found) suites.push({ file, exportName, suite: suite as EvalSuite });
  }
  return { suites, errors };
}
