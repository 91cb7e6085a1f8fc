/**
 * The ESM build: each public entry point (and the CLI's bin) bundled with esbuild, code split so
 * that modules shared by several entries live once in `dist/chunks/` (one instance of every
 * class and registry across `rehearse`, `rehearse/testing`, `rehearse/evals`, ...). Dependencies
 * stay external (`packages: 'external'`), so they resolve from the consumer's node_modules and
 * still load on first use where the sources load them lazily.
 *
 * Why bundle: Node's ESM loader resolves, stats, reads and links every file on its own; with
 * ~60 small modules behind `import 'rehearse'` that was ~35 ms of a ~60 ms import. One file per
 * entry plus a few shared chunks brings it to ~25 ms (bench/import-time.ts measures it).
 *
 * Declarations come from `tsc -p tsconfig.build.json --emitDeclarationOnly` (per source file,
 * beside these bundles); the CommonJS build (`dist/cjs`) stays per-file from tsc, where Node's
 * loader is cheap per module. Source maps carry their sources.
 *
 * Usage: node scripts/build-esm.mjs   (run by `npm run build` after the declarations)
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

export const ENTRY_POINTS = [
  'src/runtime/index.ts',
  'src/testing/index.ts',
  'src/evals/index.ts',
  'src/vitest/index.ts',
  'src/dbos/index.ts',
  'src/cli/bin.ts',
];

const result = await build({
  entryPoints: ENTRY_POINTS,
  outbase: 'src',
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  chunkNames: 'chunks/[name]-[hash]',
  sourcemap: true,
  sourcesContent: true,
  // No `keepNames`: it wraps every function made at run time (each closure in the agent loop)
  // in a `__name()` call, an Object.defineProperty each, which cost a structured-output run ~8%.
  // JavaScript names functions and classes after their bindings anyway; what bundling changes
  // is fixed below (classes that refer to themselves) or refused (classes renamed by a clash).
  keepNames: false,
  legalComments: 'none',
  // A real `require` in every output file: esbuild turns the sources' `require` (the lazy
  // `loadModuleSync` of load-module.ts) into a shim that needs one in scope. Aliased so that it
  // cannot clash with a bundled module's own `createRequire` import.
  banner: { js: "import { createRequire as __rehearseCreateRequire } from 'node:module';\nconst require = __rehearseCreateRequire(import.meta.url);" },
  logLevel: 'warning',
  metafile: true,
});

const outputs = Object.keys(result.metafile.outputs).filter((f) => f.endsWith('.js'));
if (outputs.length < ENTRY_POINTS.length) throw new Error(`esbuild wrote ${outputs.length} files for ${ENTRY_POINTS.length} entry points`);

// A class that refers to itself by name comes out as `var Dataset = class _Dataset { ... }`, so
// its `name` would read `_Dataset` (printed by snapshots, read by toolset labels and evaluator
// names). Give each its source name back once the module has run (appended lines leave the
// source map as it is).
for (const file of outputs) {
  const text = readFileSync(file, 'utf8');
  const fixes = [...text.matchAll(/\bvar ([A-Za-z_$][\w$]*) = class _\1\b/g)].map(
    (m) => `Object.defineProperty(${m[1]}, "name", { value: ${JSON.stringify(m[1])}, configurable: true });`,
  );
  if (fixes.length === 0) continue;
  const at = text.lastIndexOf('\n//# sourceMappingURL=');
  writeFileSync(file, at === -1 ? `${text}${fixes.join('\n')}\n` : `${text.slice(0, at)}\n${fixes.join('\n')}${text.slice(at)}`);
}

// A class renamed by esbuild (two bundled modules declaring the same top-level class name)
// would carry the new name: refuse the build instead.
const declared = new Set();
for (const entry of readdirSync('src', { withFileTypes: true, recursive: true })) {
  if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
  const text = readFileSync(path.join(entry.parentPath ?? entry.path, entry.name), 'utf8');
  for (const m of text.matchAll(/\bclass\s+([A-Za-z_$][\w$]*)/g)) declared.add(m[1]);
}
const renamed = [];
for (const file of outputs) {
  // `class Name` and `var Name = class` (an anonymous class takes its binding's name)
  for (const m of readFileSync(file, 'utf8').matchAll(/\bclass\s+([A-Za-z_$][\w$]*)|\bvar ([A-Za-z_$][\w$]*) = class\b/g)) {
    const name = m[1] ?? m[2];
    if (name !== 'extends' && !declared.has(name) && !declared.has(name.replace(/^_/, ''))) renamed.push(`${file}: class ${name}`);
  }
}
if (renamed.length > 0) throw new Error(`esbuild renamed classes (a top-level name clash between bundled modules); rename one in src:\n${renamed.join('\n')}`);
