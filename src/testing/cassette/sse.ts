/**
 * Server-sent events: split a `text/event-stream` body into events, write them back, and
 * replay them as a `ReadableStream` that yields one event per chunk (optionally paced).
 */
import { ReadableStream } from 'node:stream/web';
import type { SseEvent } from './cassette.js';

/**
 * Parses an SSE body (`\n`-separated lines, events ended by a blank line).
 * @returns the events, or `undefined` when the text does not round-trip exactly through
 *   {@link serializeSse} (comments, `\r\n` line ends, odd spacing): callers then keep the raw text.
 */
export function parseSse(text: string): SseEvent[] | undefined {
  if (text === '') return [];
  if (!text.endsWith('\n\n')) return undefined;
  const events: SseEvent[] = [];
  for (const block of text.slice(0, -2).split('\n\n')) {
    const ev: SseEvent = { data: '' };
    const data: string[] = [];
    for (const line of block.split('\n')) {
      const m = /^(event|id|retry|data): ?(.*)$/s.exec(line);
      if (m === null) return undefined;
      const [, field, value = ''] = m;
      if (field === 'data') data.push(value);
      else if (field === 'event') ev.event = value;
      else if (field === 'id') ev.id = value;
      else if (/^\d+$/.test(value)) ev.retry = Number(value);
      else return undefined;
    }
    ev.data = data.join('\n');
    if (data.length === 0) return undefined;
    events.push(ev);
  }
  return serializeSse(events) === text ? events : undefined;
}

/** Writes one event in the canonical form `event: …\nid: …\nretry: …\ndata: …\n\n`. */
export function serializeSseEvent(ev: SseEvent): string {
  let out = '';
  if (ev.event !== undefined) out += `event: ${ev.event}\n`;
  if (ev.id !== undefined) out += `id: ${ev.id}\n`;
  if (ev.retry !== undefined) out += `retry: ${ev.retry}\n`;
  for (const line of ev.data.split('\n')) out += `data: ${line}\n`;
  return `${out}\n`;
}

/** Writes events back to SSE text. */
export function serializeSse(events: SseEvent[]): string {
  return events.map(serializeSseEvent).join('');
}

/**
 * Splits raw event-stream text after each blank line, so a body kept as text still replays
 * event by event.
 */
export function splitSseText(text: string): string[] {
  const parts: string[] = [];
  let start = 0;
  for (;;) {
    const i = text.indexOf('\n\n', start);
    if (i < 0) break;
    parts.push(text.slice(start, i + 2));
    start = i + 2;
  }
  if (start < text.length) parts.push(text.slice(start));
  return parts;
}

/** How replayed streams are paced: `none` sends events as fast as they are read. */
export type Pacing = 'none' | 'recorded' | { speed: number };

/**
 * A byte stream yielding one chunk per element of `chunks`, produced lazily on each read.
 * With pacing, chunk i is held until `atMs[i]` (scaled by `1/speed`) after the first read.
 */
export function chunkStream(chunks: string[], options?: { atMs?: (number | undefined)[]; pacing?: Pacing }): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const pacing = options?.pacing ?? 'none';
  const speed = pacing === 'none' ? 0 : pacing === 'recorded' ? 1 : pacing.speed;
  let i = 0;
  let startedAt: number | undefined;
  let timer: { handle: ReturnType<typeof setTimeout>; resolve: () => void } | undefined;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      startedAt ??= performance.now();
      if (i >= chunks.length) {
        controller.close();
        return;
      }
      const at = options?.atMs?.[i];
      if (speed > 0 && at !== undefined) {
        const wait = at / speed - (performance.now() - startedAt);
        if (wait > 0) {
          await new Promise<void>((resolve) => {
            timer = { handle: setTimeout(resolve, wait), resolve };
          });
          timer = undefined;
          if (i < 0) return; // cancelled while waiting
        }
      }
      controller.enqueue(encoder.encode(chunks[i] ?? ''));
      i += 1;
    },
    // Cancel settles at once and drops a pending pacing timer, so a client that abandons the
    // body (the openai SDK before a retry, a `break` out of a stream) never waits on it.
    cancel() {
      i = -1;
      if (timer !== undefined) {
        clearTimeout(timer.handle);
        timer.resolve();
      }
    },
  });
}
