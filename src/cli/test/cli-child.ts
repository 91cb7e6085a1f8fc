/**
 * Test helper (not shipped): runs the `rehearse` CLI in a child process, as `npm run eval` does
 * (`node --import tsx src/cli/bin.ts`), directly or under `npm run`, in its own
 * process group (`detached`) so signals can be sent to the whole group as a terminal does.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const BIN = path.join(ROOT, 'src/cli/bin.ts');
export const EVALS_INDEX = path.join(ROOT, 'src/evals/index.ts');
const TSX_LOADER = pathToFileURL(path.join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;

/** A temporary folder with the given files. */
export async function project(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'rehearse-cli-'));
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), text);
  }
  return dir;
}

/** A running CLI child with its output so far and its exit. */
export interface CliChild {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves, with the `performance.now()` of the output chunk that completed it, when `stderr` or `stdout` contains `text`. */
  waitFor(text: string): Promise<number>;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
}

/** The command line `npm run eval` uses in this repository, for a consumer-like package.json script. */
export function evalScript(argv: string[]): string {
  return [process.execPath, '--import', TSX_LOADER, BIN, ...argv].map((a) => JSON.stringify(a)).join(' ');
}

/**
 * Starts `rehearse ...argv` in `cwd`. `via: 'npm'` runs `npm run --silent eval` (the project
 * must define the script, see `evalScript`), so npm and its shell sit above node as in a terminal.
 */
export function startCli(argv: string[], cwd: string, via: 'node' | 'npm' = 'node'): CliChild {
  const [cmd, args] = via === 'node' ? [process.execPath, ['--import', TSX_LOADER, BIN, ...argv]] : ['npm', ['run', '--silent', 'eval']];
  const child = spawn(cmd, args, { cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CI: '1', FORCE_COLOR: '0' } });
  let out = '';
  let err = '';
  const waiters: { text: string; resolve: (at: number) => void }[] = [];
  const check = () => {
    const at = performance.now();
    for (const w of [...waiters]) {
      if (out.includes(w.text) || err.includes(w.text)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(at);
      }
    }
  };
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    check();
  });
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
    check();
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, at: performance.now() })),
  );
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    waitFor: (text) =>
      new Promise<number>((resolve, reject) => {
        waiters.push({ text, resolve });
        check();
        void exit.then(() => reject(new Error(`exited before printing ${JSON.stringify(text)}\nstdout: ${out}\nstderr: ${err}`)));
      }),
    exit,
  };
}
