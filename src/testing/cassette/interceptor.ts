/**
 * The HTTP plumbing of cassettes: converting intercepted `Request`/`Response` objects to and
 * from cassette records (the escape guards are in escape-guard.ts).
 */
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import type { CassetteBody, CassetteRequest, CassetteResponse, HeaderMap, SseEvent } from './cassette.js';
import { chunkStream, parseSse, serializeSseEvent, splitSseText, type Pacing } from './sse.js';

/** Headers never replayed: the body is re-encoded, decoded and re-chunked on replay. */
const NOT_REPLAYED = new Set(['content-length', 'content-encoding', 'transfer-encoding']);

/** Header map of a fetch `Headers` (lower-case names; `set-cookie` kept as separate values). */
export function headersToMap(headers: Headers): HeaderMap {
  const out: HeaderMap = {};
  headers.forEach((value, name) => {
    const k = name.toLowerCase();
    if (k === 'set-cookie') return;
    out[k] = [...(out[k] ?? []), value];
  });
  const cookies = headers.getSetCookie();
  if (cookies.length > 0) out['set-cookie'] = cookies;
  return out;
}

function isJsonContentType(ct: string): boolean {
  return /\bjson\b/i.test(ct);
}

/** Decodes gzip/deflate/brotli bytes when they are still encoded; otherwise returns them as they are. */
export function decodeContent(bytes: Uint8Array, contentEncoding: string): Uint8Array {
  const codings = contentEncoding.toLowerCase().split(',').map((c) => c.trim()).filter((c) => c !== '' && c !== 'identity');
  let out = bytes;
  for (const coding of codings.reverse()) {
    try {
      if ((coding === 'gzip' || coding === 'x-gzip') && out[0] === 0x1f && out[1] === 0x8b) out = new Uint8Array(gunzipSync(out));
      else if (coding === 'deflate') out = new Uint8Array(inflateSync(out));
      else if (coding === 'br') out = new Uint8Array(brotliDecompressSync(out));
    } catch {
      // already decoded by the client (fetch decodes for us): keep the bytes
      return out;
    }
  }
  return out;
}

/** Classifies body bytes: JSON (by content type or shape) stored parsed, UTF-8 text, or base64. */
export function bodyFromBytes(bytes: Uint8Array, contentType: string): CassetteBody {
  if (bytes.byteLength === 0) return { kind: 'none' };
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return { kind: 'base64', data: Buffer.from(bytes).toString('base64') };
  }
  if (isJsonContentType(contentType) || /^\s*[[{]/.test(text)) {
    try {
      return { kind: 'json', value: JSON.parse(text) as unknown };
    } catch {
      /* not JSON after all */
    }
  }
  if (/text\/event-stream/i.test(contentType)) {
    const events = parseSse(text);
    if (events !== undefined) return { kind: 'sse', events };
  }
  return { kind: 'text', text };
}

/**
 * Reads an intercepted request into a cassette request. Its body is read from a clone unless
 * `consume` is true (the request will not be sent on, so cloning its body is wasted work).
 */
export async function requestToRecord(request: Request, options?: { consume?: boolean }): Promise<CassetteRequest> {
  const bytes = new Uint8Array(await (options?.consume === true ? request : request.clone()).arrayBuffer());
  const headers = headersToMap(request.headers);
  return {
    method: request.method.toUpperCase(),
    uri: request.url,
    headers,
    body: bodyFromBytes(decodeContent(bytes, request.headers.get('content-encoding') ?? ''), request.headers.get('content-type') ?? ''),
  };
}

/**
 * Reads a live response into a cassette response. Event streams are read chunk by chunk,
 * decoded with a streaming UTF-8 decoder (chunks may split characters) and each event gets
 * the time it was complete (`atMs`).
 */
export async function responseToRecord(response: Response): Promise<CassetteResponse> {
  const headers = headersToMap(response.headers);
  const contentType = response.headers.get('content-type') ?? '';
  const encoding = response.headers.get('content-encoding') ?? '';
  delete headers['content-encoding'];
  const status = { code: response.status, message: response.statusText };
  if (/text\/event-stream/i.test(contentType) && response.body !== null && encoding === '') {
    const decoder = new TextDecoder('utf-8');
    const reader = response.body.getReader();
    const start = performance.now();
    let text = '';
    const marks: { end: number; atMs: number }[] = [];
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
      marks.push({ end: text.length, atMs: performance.now() - start });
    }
    text += decoder.decode();
    const events = parseSse(text);
    if (events === undefined) return { status, headers, body: text === '' ? { kind: 'none' } : { kind: 'text', text } };
    let offset = 0;
    let m = 0;
    const timed: SseEvent[] = events.map((ev) => {
      offset += serializeSseEvent(ev).length;
      while (m < marks.length - 1 && (marks[m]?.end ?? 0) < offset) m += 1;
      const atMs = marks[m]?.atMs;
      return atMs === undefined ? ev : { ...ev, atMs };
    });
    return { status, headers, body: { kind: 'sse', events: timed } };
  }
  const bytes = decodeContent(new Uint8Array(await response.arrayBuffer()), encoding);
  return { status, headers, body: bodyFromBytes(bytes, contentType) };
}

/** Builds the `Response` replayed for a recorded one; event streams come as one chunk per event. */
export function recordToResponse(rec: CassetteResponse, options?: { pacing?: Pacing }): Response {
  const headers = new Headers();
  for (const [k, vs] of Object.entries(rec.headers)) {
    if (NOT_REPLAYED.has(k)) continue;
    for (const v of vs) headers.append(k, v);
  }
  const nullBody = [101, 103, 204, 205, 304].includes(rec.status.code);
  const init = { status: rec.status.code, statusText: rec.status.message, headers };
  const b = rec.body;
  if (nullBody) return new Response(null, init);
  switch (b.kind) {
    case 'none':
      return new Response(null, init);
    case 'json':
      if (!headers.has('content-type')) headers.set('content-type', 'application/json');
      return new Response(JSON.stringify(b.value), init);
    case 'text':
      if (/text\/event-stream/i.test(headers.get('content-type') ?? '')) return new Response(chunkStream(splitSseText(b.text)), init);
      return new Response(b.text, init);
    case 'base64':
      return new Response(new Uint8Array(Buffer.from(b.data, 'base64')), init);
    case 'sse': {
      if (!headers.has('content-type')) headers.set('content-type', 'text/event-stream');
      const stream = chunkStream(b.events.map(serializeSseEvent), {
        atMs: b.events.map((e) => e.atMs),
        ...(options?.pacing === undefined ? {} : { pacing: options.pacing }),
      });
      return new Response(stream, init);
    }
    default: {
      const never: never = b;
      return never;
    }
  }
}
