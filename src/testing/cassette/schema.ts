/**
 * The cassette file schema (zod), shared by the YAML and JSON formats, and the conversion
 * between a validated file and the in-memory {@link CassetteData}.
 *
 * Layout, as VCR.py's with pydantic-ai's serializer: `interactions` (each a `request` and a
 * `response`), `version: 1` written last, and rehearse's metadata under `rehearse`. A JSON
 * body is stored parsed as `parsed_body`, or, above {@link INLINE_JSON_LIMIT} bytes, as its
 * text under `body.string` (one scalar: big cassettes load fast); SSE bodies as `sse_events`;
 * other bodies as `body: {string}` or `body: {base64}`.
 */
import type * as Zod from 'zod';
import { loadModuleSync } from '../../runtime/index.js';
import type { CassetteBody, CassetteData, CassetteMetadata, HeaderMap, Interaction, SseEvent } from './cassette.js';
import { parseSse } from './sse.js';

/** Current rehearse cassette format number, written as `rehearse.format`. */
export const CASSETTE_FORMAT = 1;

/** JSON bodies larger than this many bytes (as JSON text) are stored as text, not parsed YAML/JSON. */
export const INLINE_JSON_LIMIT = 64 * 1024;

/** Builds the schema with the given zod (zod is a peer dependency, loaded on first use). */
function build(z: typeof Zod.z) {
  const scalar = z.union([z.string(), z.number(), z.boolean()]);

  const headers = z
    .record(
      z.string(),
      z.union([scalar, z.array(scalar, { error: 'a header value must be a list of strings' }), z.null()], {
        error: 'a header must be a list of values (or one value), not a mapping',
      }),
    )
    .nullish();

  const body = z
    .union(
      [
        z.string(),
        z.null(),
        z.object({ string: z.union([z.string(), z.null(), z.instanceof(Uint8Array)]).optional(), base64: z.string().optional() }).strict(),
      ],
      { error: 'body must be a string, {string: …} or {base64: …}' },
    )
    .optional();

  const sseEvent = z
    .object({
      event: scalar.optional(),
      id: scalar.optional(),
      retry: z.number().int().nonnegative().optional(),
      at_ms: z.number().nonnegative().optional(),
      data: z.unknown().optional(),
      text: z.string().optional(),
    })
    .refine((e) => 'data' in e || e.text !== undefined, { error: 'an SSE event needs `data` (parsed JSON) or `text`' });

  const bodyFields = {
    body,
    parsed_body: z.unknown().optional(),
    sse_events: z.array(sseEvent).optional(),
  };

  const absoluteUrl = z.string().refine(
    (u) => {
      try {
        new URL(u);
        return true;
      } catch {
        return false;
      }
    },
    { error: (i) => `not an absolute URL: ${String(i.input)}` },
  );

  const request = z.object({ method: z.string().min(1), uri: absoluteUrl, headers, ...bodyFields });

  const status = z.object({
    code: z
      .number({ error: (i) => `expected an HTTP status code, got ${JSON.stringify(i.input)}` })
      .int({ error: (i) => `expected an integer HTTP status 200–599, got ${String(i.input)}` })
      .min(200, { error: (i) => `expected an HTTP status 200–599 (a replayable final response), got ${String(i.input)}` })
      .max(599, { error: (i) => `expected an HTTP status 200–599, got ${String(i.input)}` }),
    message: z.union([z.string(), z.number()]).nullish(),
  });

  const response = z.object({ status, headers, ...bodyFields });

  const metadata = z.object({
    format: z.number().int().min(1),
    version: z.string(),
    recordedAt: z.iso.datetime({ offset: true }),
    hosts: z.array(z.string()),
  });

  /** The schema of a cassette file (after YAML or JSON parsing). */
  const CassetteFile = z.object({
    rehearse: metadata.optional(),
    interactions: z.array(z.object({ request, response }), { error: '`interactions` must be a list of {request, response}' }),
    version: z.literal(1, {
      error: (i) => (i.input === undefined ? 'no `version: 1` after the interactions: the file is truncated (or not a cassette)' : 'version must be 1'),
    }),
  });
  return { CassetteFile, headers, body, sseEvent };
}

type Built = ReturnType<typeof build>;
let built: Built | undefined;

/** The schema of a cassette file (after YAML or JSON parsing), built on first use. */
export function cassetteFileSchema(): Built['CassetteFile'] {
  built ??= build(loadModuleSync<typeof Zod>('zod').z);
  return built.CassetteFile;
}
/** A validated cassette file. */
export type CassetteFile = Zod.infer<Built['CassetteFile']>;

type RawBodyHolder = { body?: Zod.infer<Built['body']>; parsed_body?: unknown; sse_events?: Zod.infer<Built['sseEvent']>[] | undefined };

function readHeaders(v: Zod.infer<Built['headers']>): HeaderMap {
  const out: HeaderMap = {};
  for (const [k, val] of Object.entries(v ?? {})) {
    if (val === null) continue;
    const values = Array.isArray(val) ? val : [val];
    out[k.toLowerCase()] = [...(out[k.toLowerCase()] ?? []), ...values.map((x) => String(x))];
  }
  return out;
}

function readSseEvents(events: Zod.infer<Built['sseEvent']>[]): SseEvent[] {
  return events.map((e) => {
    const ev: SseEvent = { data: 'data' in e ? JSON.stringify(e.data) : (e.text ?? '') };
    if (e.event !== undefined) ev.event = String(e.event);
    if (e.id !== undefined) ev.id = String(e.id);
    if (e.retry !== undefined) ev.retry = e.retry;
    if (e.at_ms !== undefined) ev.atMs = e.at_ms;
    return ev;
  });
}

function readBody(obj: RawBodyHolder, headers: HeaderMap): CassetteBody {
  if ('parsed_body' in obj) return { kind: 'json', value: obj.parsed_body };
  if (obj.sse_events !== undefined) return { kind: 'sse', events: readSseEvents(obj.sse_events) };
  const b = obj.body;
  let text: string;
  if (b === undefined || b === null) return { kind: 'none' };
  if (typeof b === 'string') text = b;
  else if (typeof b.base64 === 'string') return { kind: 'base64', data: b.base64 };
  else if (b.string instanceof Uint8Array) return { kind: 'base64', data: Buffer.from(b.string).toString('base64') };
  else if (typeof b.string === 'string') text = b.string;
  else return { kind: 'none' };
  if (text === '') return { kind: 'none' };
  if (/text\/event-stream/i.test((headers['content-type'] ?? []).join(', '))) {
    const events = parseSse(text);
    if (events !== undefined) return { kind: 'sse', events };
  }
  return { kind: 'text', text };
}

/** The in-memory cassette of a validated file. */
export function fromFile(file: CassetteFile): CassetteData {
  const interactions: Interaction[] = file.interactions.map(({ request: rq, response: rs }) => {
    const reqHeaders = readHeaders(rq.headers);
    const resHeaders = readHeaders(rs.headers);
    return {
      request: { method: rq.method.toUpperCase(), uri: rq.uri, headers: reqHeaders, body: readBody(rq, reqHeaders) },
      response: {
        status: { code: rs.status.code, message: rs.status.message === undefined || rs.status.message === null ? '' : String(rs.status.message) },
        headers: resHeaders,
        body: readBody(rs, resHeaders),
      },
    };
  });
  const m = file.rehearse;
  const metadata: CassetteMetadata | undefined = m === undefined ? undefined : { format: m.format, version: m.version, recordedAt: m.recordedAt, hosts: m.hosts };
  return { interactions, metadata };
}

function writeBody(b: CassetteBody, out: Record<string, unknown>): void {
  switch (b.kind) {
    case 'none':
      out['body'] = { string: '' };
      return;
    case 'json': {
      const text = JSON.stringify(b.value);
      if (text !== undefined && text.length > INLINE_JSON_LIMIT) out['body'] = { string: text };
      else out['parsed_body'] = b.value;
      return;
    }
    case 'text':
      out['body'] = { string: b.text };
      return;
    case 'base64':
      out['body'] = { base64: b.data };
      return;
    case 'sse':
      out['sse_events'] = b.events.map((ev) => {
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
      const never: never = b;
      throw new Error(`unknown body ${String(never)}`);
    }
  }
}

/** The file object of a cassette: `rehearse` metadata, `interactions`, then `version: 1` (last, so truncation is seen). */
export function toFile(data: CassetteData): Record<string, unknown> {
  const interactions = data.interactions.map((it) => {
    const rq: Record<string, unknown> = { method: it.request.method, uri: it.request.uri, headers: it.request.headers };
    writeBody(it.request.body, rq);
    const rs: Record<string, unknown> = { status: it.response.status, headers: it.response.headers };
    writeBody(it.response.body, rs);
    return { request: rq, response: rs };
  });
  const root: Record<string, unknown> = {};
  if (data.metadata !== undefined) root['rehearse'] = { ...data.metadata };
  root['interactions'] = interactions;
  root['version'] = 1;
  return root;
}
