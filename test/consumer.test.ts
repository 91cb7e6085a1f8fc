/**
 * The packed tarball, installed into fresh ESM, CommonJS and plain-JavaScript projects, works
 * the way a user meets it: `require`/`import` of every entry point, types under `node16`,
 * `nodenext` and `bundler` resolution with TypeScript 7 (this repo's) and 5.9, a vitest test
 * with the rehearse/vitest matchers, node:test tests, and `rehearse eval` on a `.eval.ts`.
 *
 * Slow (packs, installs, type-checks 12 ways): it runs in `npm run test:consumer` (and CI),
 * not in `npm test`. Installs use the npm cache first (`--prefer-offline`); with an empty cache
 * npm fetches from the registry.
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pLimit from 'p-limit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const repo = fileURLToPath(new URL('..', import.meta.url));
const fixtures = join(repo, 'test', 'consumer');
const TS5 = '5.9.3';
let tmp = '';
let packed: { files: { path: string }[]; filename: string };

async function sh(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}): Promise<{ stdout: string; stderr: string }> {
  try {
    return await run(cmd, args, { cwd, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', ...env }, maxBuffer: 64 * 1024 * 1024 });
  } catch (e) {
    const err = e as Error & { stdout?: string; stderr?: string };
    throw new Error(`${cmd} ${args.join(' ')} (in ${cwd}) failed: ${err.message}\n${err.stdout ?? ''}\n${err.stderr ?? ''}`);
  }
}
const node = (args: string[], cwd: string) => sh(process.execPath, args, cwd);
const writeJson = (file: string, data: unknown) => writeFileSync(file, `${JSON.stringify(data, null, 2)}\n`);

beforeAll(async () => {
  if (!existsSync(join(repo, 'dist', 'cjs', 'runtime', 'index.js'))) await sh('npm', ['run', 'build', '--silent'], repo);
  tmp = mkdtempSync(join(tmpdir(), 'rehearse-consumer-'));
  const { stdout } = await sh('npm', ['pack', '--json', '--pack-destination', tmp], repo);
  packed = (JSON.parse(stdout) as (typeof packed)[])[0]!;
  writeJson(join(tmp, 'package.json'), {
    name: 'consumer-root',
    private: true,
    dependencies: { rehearse: `file:./${packed.filename}`, zod: '4.6.7', typescript: TS5, '@types/node': '20.9.5' },
  });
  await sh('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error'], tmp);
  // vitest (an optional peer) is this repo's, linked: one instance for the test file and rehearse/vitest
  symlinkSync(join(repo, 'node_modules', 'vitest'), join(tmp, 'node_modules', 'vitest'), 'dir');
  // so is the DBOS SDK (rehearse/dbos's optional peer)
  mkdirSync(join(tmp, 'node_modules', '@dbos-inc'), { recursive: true });
  symlinkSync(join(repo, 'node_modules', '@dbos-inc', 'dbos-sdk'), join(tmp, 'node_modules', '@dbos-inc', 'dbos-sdk'), 'dir');
  for (const [dir, type] of [['esm', 'module'], ['cjs', 'commonjs'], ['js', undefined]] as const) {
    mkdirSync(join(tmp, dir));
    writeJson(join(tmp, dir, 'package.json'), { name: `consumer-${dir}`, private: true, ...(type ? { type } : {}) });
  }
  for (const dir of ['esm', 'cjs']) {
    cpSync(join(fixtures, 'entry.ts'), join(tmp, dir, 'entry.ts'));
    cpSync(join(fixtures, 'weather.vitest.ts'), join(tmp, dir, 'weather.test.ts'));
    cpSync(join(fixtures, 'capitals.vitest.ts'), join(tmp, dir, 'capitals.test.ts'));
    mkdirSync(join(tmp, dir, 'evals'));
    cpSync(join(fixtures, 'capitals.eval.ts'), join(tmp, dir, 'evals', 'capitals.eval.ts'));
  }
  cpSync(join(fixtures, 'node-test.mjs'), join(tmp, 'js', 'node-test.mjs'));
  cpSync(join(fixtures, 'node-test.cjs'), join(tmp, 'js', 'node-test.cjs'));
}, 600_000);

afterAll(() => {
  if (tmp && !process.env['REHEARSE_CONSUMER_KEEP']) rmSync(tmp, { recursive: true, force: true });
});

const ENTRIES = ['rehearse', 'rehearse/testing', 'rehearse/evals', 'rehearse/vitest', 'rehearse/dbos'];

describe('the packed tarball in fresh projects', () => {
  it('holds dist, LICENSE, README and package.json, no tests or sources; source maps carry their sources', async () => {
    const files = packed.files.map((f) => f.path);
    expect(files).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'package.json', 'dist/runtime/index.js', 'dist/cjs/runtime/index.js', 'dist/cjs/package.json', 'dist/vitest/index.d.ts', 'dist/cjs/dbos/index.js', 'dist/cli/bin.js']));
    expect(files.filter((f) => !/^(LICENSE|README\.md|package\.json|dist\/.+)$/.test(f))).toEqual([]);
    expect(files.filter((f) => /\.test(-d)?\.|test-server|corpus-cases/.test(f))).toEqual([]);
    // every map, of the ESM bundles (entries and shared chunks) and of the per-file CommonJS build
    const maps = files.filter((f) => f.endsWith('.js.map'));
    expect(maps).toEqual(expect.arrayContaining(['dist/runtime/index.js.map', 'dist/cjs/runtime/agent.js.map']));
    expect(maps.some((f) => f.startsWith('dist/chunks/'))).toBe(true);
    const script = `const fs = require('node:fs'); console.log(JSON.stringify(${JSON.stringify(maps)}.map((f) => { const m = JSON.parse(fs.readFileSync('./node_modules/rehearse/' + f, 'utf8')); return { f, s: m.sources.length, n: (m.sourcesContent ?? []).filter((c) => typeof c === 'string' && c.length > 0).length }; })))`;
    const { stdout } = await node(['-e', script], tmp);
    for (const map of JSON.parse(stdout) as { f: string; n: number; s: number }[]) expect(map.n, map.f).toBe(map.s);
  });

  it('every entry point loads with require() and import() in ESM, CommonJS and plain-JS projects', async () => {
    const list = JSON.stringify(ENTRIES);
    for (const dir of ['esm', 'cjs', 'js']) {
      const viaRequire = JSON.parse((await node(['-e', `console.log(JSON.stringify(${list}.map((e) => Object.keys(require(e)).length)))`], join(tmp, dir))).stdout) as number[];
      const viaImport = JSON.parse((await node(['--input-type=module', '-e', `const n = []; for (const e of ${list}) n.push(Object.keys(await import(e)).length); console.log(JSON.stringify(n))`], join(tmp, dir))).stdout) as number[];
      expect(viaRequire.every((n) => n > 3), `require in ${dir}: ${viaRequire}`).toBe(true);
      expect(viaImport, `import in ${dir}`).toEqual(viaRequire);
    }
    // the bundled ESM build keeps every class and function name the per-file CommonJS build has
    // (snapshots and reports print class names; toolset labels and evaluator names read them)
    const names = (via: string) => `const out = {}; for (const e of ${list}) { const m = ${via}; for (const [k, v] of Object.entries(m)) if (typeof v === 'function') out[e + ':' + k] = v.name; } console.log(JSON.stringify(out))`;
    const cjsNames = JSON.parse((await node(['-e', names('require(e)')], join(tmp, 'cjs'))).stdout) as Record<string, string>;
    const esmNames = JSON.parse((await node(['--input-type=module', '-e', names('await import(e)')], join(tmp, 'esm'))).stdout) as Record<string, string>;
    expect(Object.keys(esmNames).length).toBeGreaterThan(100);
    expect(esmNames).toEqual(cjsNames);
  }, 120_000);

  it('with both builds loaded in one process, the request guard and model names are shared', async () => {
    const script = [
      "const cjs = require('rehearse/testing');",
      "import('rehearse').then(async (esm) => {",
      '  cjs.setAllowModelRequests(false);',
      "  const model = new esm.Agent({ model: 'test' }).run('hi').then((r) => r.output);", // 'test' registered by the CommonJS rehearse/testing
      '  console.log(JSON.stringify({ allowed: esm.allowModelRequests(), output: await model }));',
      '});',
    ].join('\n');
    expect(JSON.parse((await node(['-e', script], join(tmp, 'js'))).stdout)).toEqual({ allowed: false, output: 'success (no tool calls)' });
  });

  it('importing rehearse loads none of its heavy dependencies (zod, openai, OpenTelemetry, partial-json, randexp)', async () => {
    const { stdout } = await node(['-e', "require('rehearse'); console.log(JSON.stringify(Object.keys(require.cache).filter((k) => /node_modules[\\\\/](zod|openai|@opentelemetry|partial-json|randexp)[\\\\/]/.test(k))))"], join(tmp, 'js'));
    expect(JSON.parse(stdout)).toEqual([]);
  });

  it('types resolve under node16, nodenext and bundler, in ESM and CommonJS projects, with TypeScript 7 and 5.9', async () => {
    const settings = { node16: ['node16', 'node16'], nodenext: ['nodenext', 'nodenext'], bundler: ['esnext', 'bundler'] } as const;
    const compilers = { '7': join(repo, 'node_modules', 'typescript', 'bin', 'tsc'), [TS5]: join(tmp, 'node_modules', 'typescript', 'bin', 'tsc') };
    const limit = pLimit(2);
    const jobs: Promise<string>[] = [];
    for (const dir of ['esm', 'cjs'] as const) {
      for (const [name, [module, moduleResolution]] of Object.entries(settings)) {
        // a CommonJS project with bundler resolution uses `module: preserve` (require() stays require())
        const mod = dir === 'cjs' && name === 'bundler' ? 'preserve' : module;
        const config = `tsconfig.${name}.json`;
        writeJson(join(tmp, dir, config), {
          compilerOptions: { module: mod, moduleResolution, target: 'ES2022', lib: ['ES2023'], strict: true, noEmit: true, skipLibCheck: true, types: ['node'] },
          files: ['entry.ts'],
        });
        for (const [version, tsc] of Object.entries(compilers)) {
          jobs.push(limit(async () => {
            await node([tsc, '-p', config], join(tmp, dir)).catch((e: Error) => {
              throw new Error(`TypeScript ${version}, ${dir} project, ${name}: ${e.message}`);
            });
            return `${version}/${dir}/${name}`;
          }));
        }
      }
    }
    expect(await Promise.all(jobs)).toHaveLength(12);
  }, 600_000);

  it.each(['esm', 'cjs'])('a vitest test with the rehearse/vitest matchers and an eval passes (%s project)', async (dir) => {
    const { stdout } = await node([join(repo, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--reporter=verbose'], join(tmp, dir));
    expect(stdout).toMatch(/calls the weather tool once/);
    expect(stdout).toMatch(/capitals eval/);
    expect(stdout).toMatch(/Tests\s+2 passed/);
  }, 120_000);

  it('node:test tests pass in plain JavaScript, ESM and CommonJS', async () => {
    const { stdout } = await node(['--test', 'node-test.mjs', 'node-test.cjs'], join(tmp, 'js'));
    expect(stdout).toMatch(/# pass 3/);
    expect(stdout).toMatch(/# fail 0/);
  });

  it('rehearse eval runs a .eval.ts in an ESM project', async () => {
    const { stdout } = await sh(join(tmp, 'node_modules', '.bin', 'rehearse'), ['eval', 'evals'], join(tmp, 'esm'));
    expect(stdout).toMatch(/capitals/);
  }, 120_000);

  it('rehearse eval runs a .eval.ts in a CommonJS project', async () => {
    const { stdout } = await sh(join(tmp, 'node_modules', '.bin', 'rehearse'), ['eval', 'evals'], join(tmp, 'cjs'));
    expect(stdout).toMatch(/capitals/);
  }, 120_000);
});
