/**
 * Cassette files: YAML in VCR.py's layout (`interactions`, `version: 1`) plus rehearse's
 * metadata under `rehearse`. JSON bodies are stored parsed as `parsed_body` (pydantic-ai's
 * `json_body_serializer` convention), SSE bodies as `sse_events`, other bodies as
 * `body: {string}`. VCR.py cassettes written by pydantic-ai's suite are read as they are.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { LineCounter, parseDocument, stringify, isNode } from 'yaml';
import {
  CassetteFormatError,
  type CassetteBody,
  type CassetteData,
  type CassetteMetadata,
  type HeaderMap,
  type Interaction,
  type SseEvent,
} from './cassette.js';
import { VERSION } from '../../runtime/index.js';
import { parseSse } from './sse.js';

/** Current rehearse cassette format number, written as `rehearse.format`. */
export const CASSETTE_FORMAT = 1;

/** The rehearse package version (`VERSION`). */
export function rehearseVersion(): string {
  return VERSION;
}

class ShapeError extends Error {
  constructor(
    readonly path: (string | number)[],
    message: string,
  ) {
    super(message);
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function readHeaders(v: unknown, path: (string | number)[]): HeaderMap {
  if (v === undefined || v === null) return {};
  if (!isRecord(v)) throw new ShapeError(path, 'headers must be a mapping of name to a list of values');
  const out: HeaderMap = {};
  for (const [k, val] of Object.entries(v)) {
    const values = Array.isArray(val) ? val : [val];
    out[k.toLowerCase()] = [...(out[k.toLowerCase()] ?? []), ...values.map((x) => String(x))];
  }
  return out;
}

function headerValue(headers: HeaderMap, name: string): string {
  return (headers[name] ?? []).join(', ');
}

function readSseEvents(v: unknown, path: (string | number)[]): SseEvent[] {
  if (!Array.isArray(v)) throw new ShapeError(path, 'sse_events must be a list');
  return v.map((e, i) => {
    if (!isRecord(e)) throw new ShapeError([...path, i], 'an SSE event must be a mapping');
    const ev: SseEvent = { data: '' };
    if ('data' in e) ev.data = JSON.stringify(e['data']);
    else if (typeof e['text'] === 'string') ev.data = e['text'];
    else throw new ShapeError([...path, i], 'an SSE event needs `data` (parsed JSON) or `text`');
    if (e['event'] !== undefined) ev.event = String(e['event']);
    if (e['id'] !== undefined) ev.id = String(e['id']);
    if (typeof e['retry'] === 'number') ev.retry = e['retry'];
    if (typeof e['at_ms'] === 'number') ev.atMs = e['at_ms'];
    return ev;
  });
}

function readBody(obj: Record<string, unknown>, headers: HeaderMap, path: (string | number)[]): CassetteBody {
  if ('parsed_body' in obj) return { kind: 'json', value: obj['parsed_body'] };
  if ('sse_events' in obj) return { kind: 'sse', events: readSseEvents(obj['sse_events'], [...path, 'sse_events']) };
  const b = obj['body'];
  let text: string;
  if (b === undefined || b === null) return { kind: 'none' };
  if (typeof b === 'string') text = b;
  else if (isRecord(b) && typeof b['base64'] === 'string') return { kind: 'base64', data: b['base64'] };
  else if (isRecord(b) && (b['string'] === null || b['string'] === undefined)) return { kind: 'none' };
  else if (isRecord(b) && typeof b['string'] === 'string') text = b['string'];
  else if (isRecord(b) && b['string'] instanceof Uint8Array) return { kind: 'base64', data: Buffer.from(b['string']).toString('base64') };
  else throw new ShapeError([...path, 'body'], 'body must be a string or {string: ...}');
  if (text === '') return { kind: 'none' };
  if (/text\/event-stream/i.test(headerValue(headers, 'content-type'))) {
    const events = parseSse(text);
    if (events !== undefined) return { kind: 'sse', events };
  }
  return { kind: 'text', text };
}

function readInteraction(v: unknown, i: number): Interaction {
  const p = ['interactions', i];
  if (!isRecord(v)) throw new ShapeError(p, 'an interaction must be a mapping with request and response');
  const rq = v['request'];
  const rs = v['response'];
  if (!isRecord(rq)) throw new ShapeError([...p, 'request'], 'missing request mapping');
  if (!isRecord(rs)) throw new ShapeError([...p, 'response'], 'missing response mapping');
  if (typeof rq['method'] !== 'string') throw new ShapeError([...p, 'request'], 'request.method must be a string');
  if (typeof rq['uri'] !== 'string') throw new ShapeError([...p, 'request'], 'request.uri must be a string');
  try {
    new URL(rq['uri']);
  } catch {
    throw new ShapeError([...p, 'request', 'uri'], `request.uri is not an absolute URL: ${rq['uri']}`);
  }
  const status = rs['status'];
  if (!isRecord(status) || typeof status['code'] !== 'number')
    throw new ShapeError([...p, 'response'], 'response.status.code must be a number');
  const reqHeaders = readHeaders(rq['headers'], [...p, 'request', 'headers']);
  const resHeaders = readHeaders(rs['headers'], [...p, 'response', 'headers']);
  return {
    request: {
      method: rq['method'].toUpperCase(),
      uri: rq['uri'],
      headers: reqHeaders,
      body: readBody(rq, reqHeaders, [...p, 'request']),
    },
    response: {
      status: { code: status['code'], message: typeof status['message'] === 'string' ? status['message'] : '' },
      headers: resHeaders,
      body: readBody(rs, resHeaders, [...p, 'response']),
    },
  };
}

function readMetadata(v: unknown): CassetteMetadata | undefined {
  if (!isRecord(v)) return undefined;
  return {
    format: typeof v['format'] === 'number' ? v['format'] : CASSETTE_FORMAT,
    version: String(v['version'] ?? ''),
    recordedAt: String(v['recordedAt'] ?? ''),
    hosts: Array.isArray(v['hosts']) ? v['hosts'].map(String) : [],
  };
}

/**
 * Parses cassette text (rehearse or VCR.py).
 * @throws CassetteFormatError with the path and 1-based line for bad YAML or a bad shape.
 */
export function parseCassette(text: string, cassettePath: string): CassetteData {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: false });
  const err = doc.errors[0];
  if (err !== undefined) {
    const line = err.linePos?.[0].line;
    throw new CassetteFormatError({ cassettePath, message: err.message.split('\n')[0] ?? err.message, ...(line === undefined ? {} : { line }), cause: err });
  }
  const root: unknown = doc.toJS({ maxAliasCount: 1000 });
  const lineOf = (path: (string | number)[]): number | undefined => {
    for (let n = path.length; n >= 0; n--) {
      const node = doc.getIn(path.slice(0, n), true);
      if (isNode(node) && node.range) return lineCounter.linePos(node.range[0]).line;
    }
    return undefined;
  };
  try {
    if (root === null || root === undefined) return { interactions: [], metadata: undefined };
    if (!isRecord(root)) throw new ShapeError([], 'the top level must be a mapping with `interactions`');
    const list = root['interactions'] ?? [];
    if (!Array.isArray(list)) throw new ShapeError(['interactions'], '`interactions` must be a list');
    const meta = readMetadata(root['rehearse']);
    if (meta !== undefined && meta.format > CASSETTE_FORMAT)
      throw new ShapeError(['rehearse', 'format'], `cassette format ${meta.format} is newer than this rehearse supports (${CASSETTE_FORMAT})`);
    return { interactions: list.map(readInteraction), metadata: meta };
  } catch (e) {
    if (e instanceof ShapeError) {
      const line = lineOf(e.path);
      throw new CassetteFormatError({ cassettePath, message: e.message, ...(line === undefined ? {} : { line }) });
    }
    throw e;
  }
}

/**
 * Reads a cassette file. `undefined` when the file does not exist.
 * @throws CassetteFormatError for a malformed file.
 */
export async function readCassette(cassettePath: string): Promise<CassetteData | undefined> {
  let text: string;
  try {
    text = await readFile(cassettePath, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  return parseCassette(text, cassettePath);
}

function writeBody(body: CassetteBody, out: Record<string, unknown>): void {
  switch (body.kind) {
    case 'none':
      out['body'] = { string: '' };
      return;
    case 'json':
      out['parsed_body'] = body.value;
      return;
    case 'text':
      out['body'] = { string: body.text };
      return;
    case 'base64':
      out['body'] = { base64: body.data };
      return;
    case 'sse':
      out['sse_events'] = body.events.map((ev) => {
        const e: Record<string, unknown> = {};
        if (ev.event !== undefined) e['event'] = ev.event;
        if (ev.id !== undefined) e['id'] = ev.id;
        if (ev.retry !== undefined) e['retry'] = ev.retry;
        let parsed: unknown;
        let isJson = false;
        try {
          parsed = JSON.parse(ev.data);
          isJson = JSON.stringify(parsed) === ev.data;
        } catch {
          isJson = false;
        }
        if (isJson) e['data'] = parsed;
        else e['text'] = ev.data;
        if (ev.atMs !== undefined) e['at_ms'] = Math.round(ev.atMs * 1000) / 1000;
        return e;
      });
      return;
    default: {
      const never: never = body;
      throw new Error(`unknown body ${String(never)}`);
    }
  }
}

/** Serialises a cassette to YAML text: `rehearse` metadata, `interactions`, `version: 1`. */
export function serializeCassette(data: CassetteData): string {
  const interactions = data.interactions.map((it) => {
    const request: Record<string, unknown> = { method: it.request.method, uri: it.request.uri, headers: it.request.headers };
    writeBody(it.request.body, request);
    const response: Record<string, unknown> = { status: it.response.status, headers: it.response.headers };
    writeBody(it.response.body, response);
    return { request, response };
  });
  const root: Record<string, unknown> = {};
  if (data.metadata !== undefined) root['rehearse'] = { ...data.metadata };
  root['interactions'] = interactions;
  root['version'] = 1;
  return stringify(root, { lineWidth: 0, aliasDuplicateObjects: false });
}

/**
 * Writes `text` to `path` atomically: a temp file in the same folder, then a rename. Creates
 * the folder. On failure the old file (if any) is left as it was and the temp file removed.
 */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await writeFile(tmp, text, { encoding: 'utf8', flag: 'wx' });
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}
