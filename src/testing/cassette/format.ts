/**
 * Cassette files on disk: YAML (`.yaml`/`.yml`, VCR.py's layout, readable diffs) or JSON
 * (`.json`, the same layout; the fastest to load). Every file is validated against
 * {@link CassetteFile} on load; any problem is a {@link CassetteFormatError} naming the file,
 * the line and the field. Writes are atomic, scanned for secrets first, and clean up stale
 * temp files of earlier crashed writes. VCR.py cassettes written by pydantic-ai's suite are
 * read as they are.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Document, LineCounter } from 'yaml';
import type { z } from 'zod';
import { VERSION } from '../../runtime/version.js';
import { CassetteFormatError, CassetteSecretError, type CassetteData } from './cassette.js';
import type { SecretDetector } from './redact.js';
import { loadModuleSync } from '../../runtime/index.js';
import { CASSETTE_FORMAT, cassetteFileSchema, fromFile, toFile } from './schema.js';

/** The `yaml` package, loaded on first use (errors with line numbers and writing YAML need it). */
const yaml = () => loadModuleSync<typeof import('yaml')>('yaml');

export { CASSETTE_FORMAT } from './schema.js';

type JsYaml = typeof import('js-yaml');
let jsYaml: { load: JsYaml['load']; schema: ReturnType<JsYaml['CORE_SCHEMA']['withTags']> } | undefined;

/** js-yaml (loaded on first use) with the YAML 1.2 core schema plus `!!binary` (VCR.py writes byte bodies with it). */
function fastYaml(): NonNullable<typeof jsYaml> {
  if (jsYaml === undefined) {
    const m = loadModuleSync<JsYaml>('js-yaml');
    jsYaml = { load: m.load, schema: m.CORE_SCHEMA.withTags(m.binaryTag) };
  }
  return jsYaml;
}

/** Most YAML aliases a cassette may expand (rehearse writes none; VCR.py a few): more is an alias bomb. */
export const MAX_YAML_ALIASES = 1000;

/** The rehearse package version (`VERSION`). */
export function rehearseVersion(): string {
  return VERSION;
}

/** Whether `path` names a JSON cassette (`.json`); every other name is YAML. */
export function isJsonCassette(path: string): boolean {
  return /\.json$/i.test(path);
}

/** `interactions[0].response.status.code` for a zod path. */
function fieldPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('');
}

function lineOfOffset(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) line += 1;
  return line;
}

/** The 1-based line of the node at `path` (or of its nearest existing parent) in a YAML document. */
function yamlLineOf(doc: Document, lc: LineCounter, path: readonly PropertyKey[]): number | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node = doc.getIn(path.slice(0, n) as unknown[], true);
    if (yaml().isNode(node) && node.range) return lc.linePos(node.range[0]).line;
  }
  return undefined;
}

function validate(raw: unknown, cassettePath: string, lineOf: (path: readonly PropertyKey[]) => number | undefined): CassetteData {
  if (raw === null || raw === undefined) return { interactions: [], metadata: undefined };
  const parsed = cassetteFileSchema().safeParse(raw, { reportInput: true });
  if (!parsed.success) throw formatError(cassettePath, parsed.error.issues[0] as z.core.$ZodIssue, lineOf);
  const meta = parsed.data.rehearse;
  if (meta !== undefined && meta.format > CASSETTE_FORMAT) {
    const path = ['rehearse', 'format'];
    const line = lineOf(path);
    throw new CassetteFormatError({
      cassettePath,
      field: fieldPath(path),
      message: `cassette format ${meta.format} is newer than this rehearse supports (${CASSETTE_FORMAT})`,
      ...(line === undefined ? {} : { line }),
    });
  }
  return fromFile(parsed.data);
}

function formatError(cassettePath: string, issue: z.core.$ZodIssue, lineOf: (path: readonly PropertyKey[]) => number | undefined): CassetteFormatError {
  // a union reports its own message; the deepest branch issue names the field better
  let best = issue;
  while (best.code === 'invalid_union' && 'errors' in best) {
    const branches = (best as { errors: z.core.$ZodIssue[][] }).errors.flat();
    const deeper = branches.sort((a, b) => b.path.length - a.path.length)[0];
    if (deeper === undefined || deeper.path.length === 0 || issue.message.startsWith('a header')) break;
    best = { ...deeper, path: [...best.path, ...deeper.path] };
  }
  const path = best.path;
  const line = lineOf(path);
  const message = best.code === 'invalid_type' && best.input === undefined ? `missing ${String(path.at(-1) ?? 'value')}` : best.message;
  return new CassetteFormatError({ cassettePath, field: fieldPath(path) || '(top level)', message, ...(line === undefined ? {} : { line }) });
}

/**
 * YAML: js-yaml builds plain values straight from the text (several times faster than the
 * `yaml` package's document model). A file with aliases (rehearse writes none), and any
 * problem, from the parser or the schema, goes to the `yaml` package's document instead,
 * which counts alias expansions and knows each node's line.
 */
function parseYaml(text: string, cassettePath: string): CassetteData {
  let raw: unknown;
  try {
    const y = fastYaml();
    raw = y.load(text, { schema: y.schema, maxAliases: 0, maxDepth: 1000 });
  } catch {
    return parseYamlDocument(text, cassettePath);
  }
  try {
    return validate(raw, cassettePath, () => undefined);
  } catch (e) {
    if (e instanceof CassetteFormatError) return parseYamlDocument(text, cassettePath);
    throw e;
  }
}

function parseYamlDocument(text: string, cassettePath: string): CassetteData {
  const lc = new (yaml().LineCounter)();
  const doc = yaml().parseDocument(text, { lineCounter: lc, uniqueKeys: true, prettyErrors: false });
  const err = doc.errors[0];
  if (err !== undefined) {
    let line = lc.linePos(err.pos[0]).line;
    if (err.code === 'MISSING_CHAR' && /quote/i.test(err.message)) {
      // report an unclosed quote where it opens, not where the file ends
      yaml().visit(doc, {
        Scalar(_, node) {
          const r = node.range;
          if (r && (node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE') && r[0] <= err.pos[0] && err.pos[0] <= r[2]) {
            line = lc.linePos(r[0]).line;
            return yaml().visit.BREAK;
          }
          return undefined;
        },
      });
      const at = text.lastIndexOf(/double/i.test(err.message) || err.message.includes('"') ? '"' : "'", err.pos[0]);
      if (line === lc.linePos(err.pos[0]).line && at >= 0) line = lineOfOffset(text, at);
      throw new CassetteFormatError({ cassettePath, line, message: 'unclosed quote: a quoted string opens here and never closes' });
    }
    const message = err.code === 'DUPLICATE_KEY' ? `duplicate key: ${err.message.split('\n')[0] ?? ''}` : (err.message.split('\n')[0] ?? err.message);
    throw new CassetteFormatError({ cassettePath, line, message, cause: err });
  }
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: MAX_YAML_ALIASES });
  } catch (e) {
    const bomb = e instanceof Error && /alias/i.test(e.message);
    let line: number | undefined;
    if (bomb)
      yaml().visit(doc, {
        Alias(_, node) {
          if (node.range) line = lc.linePos(node.range[0]).line;
          return yaml().visit.BREAK;
        },
      });
    throw new CassetteFormatError({
      cassettePath,
      message: bomb
        ? `too many YAML alias expansions (more than ${MAX_YAML_ALIASES}): an alias bomb, or not a cassette`
        : `cannot read the YAML values: ${e instanceof Error ? e.message : String(e)}`,
      ...(line === undefined ? {} : { line }),
      cause: e,
    });
  }
  return validate(raw, cassettePath, (path) => yamlLineOf(doc, lc, path));
}

function parseJson(text: string, cassettePath: string): CassetteData {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const pos = /position (\d+)/.exec(msg)?.[1];
    const line = pos === undefined ? lineOfOffset(text, text.length) : lineOfOffset(text, Number(pos));
    throw new CassetteFormatError({ cassettePath, line, message: `invalid JSON: ${msg}`, cause: e });
  }
  // line numbers of a schema problem come from parsing the text again as YAML (JSON is
  // YAML), which is slow, so only on error and only for files up to 20 MB
  return validate(raw, cassettePath, (path) => {
    if (text.length > 20_000_000) return undefined;
    const lc = new (yaml().LineCounter)();
    return yamlLineOf(yaml().parseDocument(text, { lineCounter: lc }), lc, path);
  });
}

/**
 * Parses cassette text: JSON when `cassettePath` ends in `.json`, YAML otherwise (rehearse or
 * VCR.py). An empty file is an empty cassette.
 * @throws CassetteFormatError naming the path, the 1-based line and the field for bad syntax,
 *   a schema violation (status code outside 200–599, a header given as a mapping, wrong
 *   metadata types, …), a truncated file (no final `version: 1`), a duplicate key, an
 *   unclosed quote (reported where it opens) or a YAML alias bomb.
 */
export function parseCassette(text: string, cassettePath: string): CassetteData {
  return isJsonCassette(cassettePath) ? parseJson(text, cassettePath) : parseYaml(text, cassettePath);
}

/**
 * Reads a cassette file. `undefined` when the file does not exist.
 * @throws CassetteFormatError for a malformed file, or a directory at the path.
 */
export async function readCassette(cassettePath: string): Promise<CassetteData | undefined> {
  let text: string;
  try {
    text = await readFile(cassettePath, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'EISDIR') throw new CassetteFormatError({ cassettePath, message: 'this path is a directory, not a cassette file', cause: e });
    throw new CassetteFormatError({ cassettePath, message: `cannot read the file (${code ?? String(e)})`, cause: e });
  }
  return parseCassette(text, cassettePath);
}

/**
 * Serialises a cassette: YAML (default) or JSON (`format: 'json'`), with `rehearse` metadata,
 * `interactions`, and `version: 1` last.
 */
export function serializeCassette(data: CassetteData, options?: { format?: 'yaml' | 'json' }): string {
  const root = toFile(data);
  return options?.format === 'json' ? `${JSON.stringify(root, null, 1)}\n` : yaml().stringify(root, { lineWidth: 0, aliasDuplicateObjects: false });
}

/** Temp files of `path` written by {@link writeFileAtomic}: `.<name>.<pid>.<random>.tmp`. */
function tempPattern(path: string): RegExp {
  const name = basename(path).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^\\.${name}\\.(\\d+)\\.[0-9a-f]+\\.tmp$`);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes temp files that earlier writes of `path` left behind (a crash between write and
 * rename): those of a process that no longer runs, or older than `staleMs` (default 60 s).
 * @returns the paths removed.
 */
export async function cleanStaleTempFiles(path: string, staleMs = 60_000): Promise<string[]> {
  const dir = dirname(path);
  const re = tempPattern(path);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const m = re.exec(name);
    if (m === null) continue;
    const p = join(dir, name);
    const pid = Number(m[1]);
    let old = false;
    try {
      old = Date.now() - (await stat(p)).mtimeMs > staleMs;
    } catch {
      continue;
    }
    if (old || (pid !== process.pid && !processAlive(pid))) {
      await rm(p, { force: true });
      removed.push(p);
    }
  }
  return removed;
}

/**
 * Writes `text` to `path` atomically: a temp file in the same folder, then a rename. Creates
 * the folder and first removes stale temp files of earlier crashed writes. On failure the old
 * file (if any) is left as it was and the temp file removed.
 */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  await cleanStaleTempFiles(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await writeFile(tmp, text, { encoding: 'utf8', flag: 'wx' });
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/**
 * Serialises `data` in the format of `path`'s extension, checks the structure and the exact
 * text to be written with `detector` (nothing left that redaction would change), then
 * writes atomically.
 * @throws CassetteSecretError (nothing is written) when anything secret-looking is left.
 */
export async function writeCassette(path: string, data: CassetteData, detector: SecretDetector): Promise<void> {
  const findings = data.interactions.flatMap((it, i) => detector.scanInteraction(it, i));
  const text = serializeCassette(data, { format: isJsonCassette(path) ? 'json' : 'yaml' });
  if (findings.length === 0) findings.push(...detector.scanText(text));
  if (findings.length > 0) throw new CassetteSecretError({ cassettePath: path, findings });
  await writeFileAtomic(path, text);
}
