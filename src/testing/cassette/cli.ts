/**
 * `rehearse cassette …` commands: `inspect <file>` prints a summary table of a cassette;
 * `redact-check <dir>` scans every cassette under a folder (temp files included) with the
 * redaction detector and exits non-zero when anything secret-looking is on disk.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { Document } from 'yaml';
import type { Command } from 'commander';
import { loadModuleSync } from '../../runtime/load-module.js';

// CLI libraries load on first use, so importing rehearse/testing does not pay for them
const cliTable = () => loadModuleSync<typeof import('cli-table3')>('cli-table3');
const yaml = () => loadModuleSync<typeof import('yaml')>('yaml');
const commander = () => loadModuleSync<typeof import('commander')>('commander');
import { CassetteError, type CassetteBody, type Interaction, type SecretFinding } from './cassette.js';
import { parseCassette } from './format.js';
import { SecretDetector, type RedactOptions } from './redact.js';

/** Where CLI output goes (tests pass buffers). */
export interface CliIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

const defaultIO: CliIO = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
};

function jsonOf(body: CassetteBody): unknown {
  if (body.kind === 'json') return body.value;
  if (body.kind === 'text') {
    try {
      return JSON.parse(body.text) as unknown;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** Model, token counts and streaming of one interaction, as `inspect` shows them. */
export function summarizeInteraction(it: Interaction): { model: string; streamed: boolean; inputTokens?: number; outputTokens?: number; events?: number } {
  const req = jsonOf(it.request.body) as { model?: unknown; stream?: unknown } | undefined;
  const res = it.response.body;
  const streamed = res.kind === 'sse' || req?.stream === true;
  let usage: { prompt_tokens?: number; completion_tokens?: number; input_tokens?: number; output_tokens?: number } | undefined;
  let model = typeof req?.model === 'string' ? req.model : '';
  if (res.kind === 'sse') {
    for (const ev of res.events) {
      try {
        const d = JSON.parse(ev.data) as { usage?: typeof usage; model?: string };
        if (d.usage) usage = d.usage;
        if (model === '' && typeof d.model === 'string') model = d.model;
      } catch {
        /* [DONE] and other non-JSON events */
      }
    }
  } else {
    const d = jsonOf(res) as { usage?: typeof usage; model?: string } | undefined;
    usage = d?.usage;
    if (model === '' && typeof d?.model === 'string') model = d.model;
  }
  const inputTokens = usage?.prompt_tokens ?? usage?.input_tokens;
  const outputTokens = usage?.completion_tokens ?? usage?.output_tokens;
  return {
    model,
    streamed,
    ...(inputTokens === undefined ? {} : { inputTokens }),
    ...(outputTokens === undefined ? {} : { outputTokens }),
    ...(res.kind === 'sse' ? { events: res.events.length } : {}),
  };
}

async function inspect(file: string, io: CliIO): Promise<number> {
  const data = parseCassette(await readFile(file, 'utf8'), file);
  const table = new (cliTable())({ head: ['#', 'method', 'url', 'status', 'model', 'streamed', 'input tokens', 'output tokens'], style: { head: [], border: [] } });
  let input = 0;
  let output = 0;
  data.interactions.forEach((it, i) => {
    const s = summarizeInteraction(it);
    input += s.inputTokens ?? 0;
    output += s.outputTokens ?? 0;
    const u = new URL(it.request.uri);
    table.push([
      String(i + 1),
      it.request.method,
      `${u.host}${u.pathname}`,
      String(it.response.status.code),
      s.model,
      s.streamed ? `yes (${s.events ?? '?'} events)` : 'no',
      s.inputTokens === undefined ? '' : String(s.inputTokens),
      s.outputTokens === undefined ? '' : String(s.outputTokens),
    ]);
  });
  const kind = data.metadata === undefined ? 'VCR.py (foreign)' : `rehearse format ${data.metadata.format}, recorded ${data.metadata.recordedAt} by rehearse ${data.metadata.version}`;
  io.stdout(`${file}\n${kind}\n${data.interactions.length} interaction(s), ${input} input tokens, ${output} output tokens\n${table.toString()}\n`);
  return 0;
}

/** Cassette files under `dir` (YAML, JSON) and temp files of interrupted writes (`*.tmp`), hidden ones included. */
async function listCassetteFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await listCassetteFiles(p)));
    else if (/\.(ya?ml|json|tmp)$/i.test(e.name)) out.push(p);
  }
  return out.sort();
}

/** The cassette name a temp file was written for (`.x.yaml.123.ab12.tmp` → `x.yaml`), so it is parsed in its format. */
function formatName(file: string): string {
  return file.replace(/\.(\d+)\.[0-9a-f]+\.tmp$/i, '').replace(/\.tmp$/i, '');
}

/** `interactions[0].request.body.key[2]` → the path of that value in the file, for its line number. */
function filePathOf(location: string, doc: Document): (string | number)[] {
  const steps: (string | number)[] = [];
  for (const m of location.matchAll(/\[(\d+)\]|\[([^\]]*)\]|\.?([^.[\]]+)/g)) steps.push(m[1] !== undefined ? Number(m[1]) : (m[2] ?? m[3] ?? ''));
  const at = steps.indexOf('body');
  if (at === 3) {
    const side = steps.slice(0, 3);
    if (doc.hasIn([...side, 'parsed_body'])) steps.splice(3, 1, 'parsed_body');
    else if (doc.hasIn([...side, 'sse_events'])) steps.splice(3, 2, 'sse_events');
  }
  return steps;
}

function withLines(findings: SecretFinding[], text: string): SecretFinding[] {
  if (findings.every((f) => f.line !== undefined) || text.length > 20_000_000) return findings;
  const lc = new (yaml().LineCounter)();
  const doc = yaml().parseDocument(text, { lineCounter: lc, uniqueKeys: false });
  return findings.map((f) => {
    if (f.line !== undefined) return f;
    const path = filePathOf(f.location, doc);
    for (let n = path.length; n > 0; n--) {
      const node = doc.getIn(path.slice(0, n), true);
      if (yaml().isNode(node) && node.range) return { ...f, line: lc.linePos(node.range[0]).line };
    }
    return f;
  });
}

async function redactCheck(dir: string, options: RedactOptions, io: CliIO): Promise<number> {
  const files = await listCassetteFiles(dir);
  const detector = new SecretDetector(options);
  let bad = 0;
  for (const file of files) {
    const text = await readFile(file, 'utf8');
    let findings: SecretFinding[] = [];
    try {
      const data = parseCassette(text, formatName(file));
      findings = data.interactions.flatMap((it, i) => detector.scanInteraction(it, i));
    } catch (e) {
      // not a readable cassette (a truncated temp file, notes): the raw text scan below still applies
      if (!(e instanceof CassetteError)) throw e;
    }
    const seen = new Set(findings.map((f) => f.preview));
    findings = [...withLines(findings, text), ...detector.scanText(text).filter((f) => !seen.has(f.preview))];
    const shown = relative(process.cwd(), file).startsWith('..') ? file : relative(process.cwd(), file);
    for (const f of findings) io.stdout(`${shown}:${f.line ?? '?'}: ${f.location}: ${f.preview} (${f.rule})\n`);
    if (findings.length > 0) bad += 1;
  }
  io.stdout(bad === 0 ? `redact-check: ${files.length} file(s) clean\n` : `redact-check: secrets found in ${bad} of ${files.length} file(s)\n`);
  return bad === 0 ? 0 : 1;
}

/**
 * Adds `cassette inspect <file>` and `cassette redact-check <dir>` to a commander program.
 * Each action sets `process.exitCode` (0 clean, 1 findings or errors) unless `onExit` is given.
 */
export function registerCassetteCommands(program: Command, io: CliIO = defaultIO, onExit: (code: number) => void = (c) => void (process.exitCode = c)): Command {
  const cassette = program.command('cassette').description('inspect and check recorded HTTP cassettes');
  const run = (p: Promise<number>): Promise<void> =>
    p.then(onExit, (e: unknown) => {
      io.stderr(`${e instanceof Error ? e.message : String(e)}\n`);
      onExit(1);
    });
  cassette
    .command('inspect')
    .description('summary table of a cassette: interactions, models, tokens, streamed or not')
    .argument('<file>', 'cassette file (rehearse or VCR.py YAML)')
    .action((file: string) => run(inspect(file, io)));
  cassette
    .command('redact-check')
    .description(
      'exit non-zero if any cassette under <dir> (.yaml, .yml, .json, and *.tmp left by interrupted writes) holds something ' +
        'redaction would remove: secret-named values, token formats, values of secret-looking environment variables',
    )
    .argument('<dir>', 'folder to scan recursively')
    .option('--pattern <regex...>', 'extra secret patterns (JavaScript regular expressions)')
    .option('--name <name...>', 'extra secret names (headers, parameters, fields, JSON keys)')
    .option('--drop-header <name...>', 'extra header names that must not be on disk')
    .option('--no-env', 'do not treat secret-looking environment variables as known secrets')
    .action((dir: string, opts: { pattern?: string[]; name?: string[]; dropHeader?: string[]; env: boolean }) =>
      run(
        redactCheck(
          dir,
          { secretPatterns: (opts.pattern ?? []).map((p) => new RegExp(p)), secretNames: opts.name ?? [], dropHeaders: opts.dropHeader ?? [], secretEnv: opts.env },
          io,
        ),
      ),
    );
  return program;
}

/**
 * Runs the cassette commands on `argv` (without the node and script entries, e.g.
 * `['cassette', 'inspect', 'x.yaml']`) and resolves to the exit code.
 */
export async function runCassetteCli(argv: readonly string[], io: CliIO = defaultIO): Promise<number> {
  let code = 0;
  const program = new (commander().Command)('rehearse').exitOverride().configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  registerCassetteCommands(program, io, (c) => (code = c));
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (e) {
    if (e instanceof commander().CommanderError) return e.exitCode === 0 ? 0 : 2;
    throw e;
  }
  return code;
}
