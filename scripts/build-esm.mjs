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
  // keep class and function names: error names, `constructor.name` in reports and spans
  keepNames: true,
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
