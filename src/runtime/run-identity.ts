/**
 * Run and conversation ids (pydantic-ai's `resolve_run_id` / `resolve_conversation_id` and
 * `_uuid.uuid7`): every run gets a fresh `runId`; a conversation id is given, inherited from the
 * history's latest message that has one, or new.
 */
import { loadModuleSync } from './load-module.js';
import { UserError } from './errors.js';
import type { ModelMessage } from './messages.js';
import { buildRunContext } from './run-state.js';
import type { RunState } from './run-state.js';

/** `conversationId: 'new'` starts a new conversation even when the history has one. */
export const NEW_CONVERSATION = 'new';

let cryptoModule: typeof import('node:crypto') | undefined;
let lastMs = -1;
let seq = 0;
// Random bytes drawn in blocks: one `randomFillSync` per 512 ids, not one per id.
const POOL = new Uint8Array(4096);
let poolAt = POOL.length;
// Lower-case hex digits as char codes; an id is written into CHARS and read out as one flat
// string (36 concatenations would leave a rope of ~0.4 KB per id on the heap).
const DIGITS = Array.from('0123456789abcdef', (c) => c.charCodeAt(0));
const CHARS = new Uint16Array(36);
const DASH = 0x2d;

function putByte(at: number, v: number): void {
  CHARS[at] = DIGITS[v >>> 4]!;
  CHARS[at + 1] = DIGITS[v & 0xf]!;
}

/**
 * A UUID version 7 (RFC 9562): 48-bit Unix milliseconds, then a 12-bit counter that keeps ids
 * made in the same millisecond in order, then 62 random bits.
 */
export function uuid7(nowMs: number = Date.now()): string {
  if (nowMs <= lastMs) {
    seq += 1;
    if (seq > 0xfff) {
      lastMs += 1;
      seq = 0;
    }
    nowMs = lastMs;
  } else {
    lastMs = nowMs;
    seq = 0;
  }
  if (poolAt + 8 > POOL.length) {
    // node:crypto on first use, not at import (it costs ~10 ms to load)
    (cryptoModule ??= loadModuleSync<typeof import('node:crypto')>('node:crypto')).randomFillSync(POOL);
    poolAt = 0;
  }
  const r = poolAt;
  poolAt += 8;
  const hi = Math.floor(nowMs / 0x100000000);
  const lo = nowMs >>> 0;
  putByte(0, (hi >>> 8) & 0xff);
  putByte(2, hi & 0xff);
  putByte(4, lo >>> 24);
  putByte(6, (lo >>> 16) & 0xff);
  CHARS[8] = DASH;
  putByte(9, (lo >>> 8) & 0xff);
  putByte(11, lo & 0xff);
  CHARS[13] = DASH;
  putByte(14, 0x70 | (seq >>> 8));
  putByte(16, seq & 0xff);
  CHARS[18] = DASH;
  putByte(19, 0x80 | (POOL[r]! & 0x3f));
  putByte(21, POOL[r + 1]!);
  CHARS[23] = DASH;
  for (let i = 2; i < 8; i++) putByte(24 + (i - 2) * 2, POOL[r + i]!);
  const c = CHARS;
  // spelled out: `fromCharCode.apply(null, CHARS)` would copy the 36 codes into an argument array per id
  return String.fromCharCode(
    c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!, c[6]!, c[7]!, c[8]!, c[9]!, c[10]!, c[11]!, c[12]!, c[13]!, c[14]!, c[15]!, c[16]!, c[17]!,
    c[18]!, c[19]!, c[20]!, c[21]!, c[22]!, c[23]!, c[24]!, c[25]!, c[26]!, c[27]!, c[28]!, c[29]!, c[30]!, c[31]!, c[32]!, c[33]!, c[34]!, c[35]!,
  );
}

/**
 * The conversation id of a run: `'new'` → fresh; a given id as is; else the latest
 * `conversationId` on the history; else fresh.
 */
export function resolveConversationId(explicit: string | undefined, history: readonly ModelMessage[], newId: () => string = uuid7): string {
  if (explicit === NEW_CONVERSATION) return newId();
  if (explicit !== undefined) return explicit;
  for (let i = history.length - 1; i >= 0; i--) {
    const c = history[i]!.conversationId;
    if (c !== undefined) return c;
  }
  return newId();
}

/**
 * The id of a run: a given id (never inherited from the history), else fresh.
 * @throws UserError for an empty id or one already on the history (reuse breaks `newMessages()`).
 */
export function resolveRunId(explicit: string | undefined, history: readonly ModelMessage[], newId: () => string = uuid7): string {
  if (explicit === undefined) return newId();
  if (explicit === '') throw new UserError('`runId` must be a non-empty string when provided.');
  if (history.some((m) => m.runId === explicit)) {
    throw new UserError(
      `\`runId\` '${explicit}' already appears in \`messageHistory\`. Each run needs a distinct runId; use \`conversationId\` to correlate turns or a deferred-tool resume.`,
    );
  }
  return explicit;
}

/** @internal Metadata of a run: the agent's (or override's) merged under the run's; functions get the run context. */
export function runMetadata(state: RunState<any>): Record<string, unknown> | undefined {
  let out: Record<string, unknown> | undefined;
  for (const m of state.metadataSources) {
    const v = typeof m === 'function' ? m(buildRunContext(state)) : m;
    if (v !== undefined) out = { ...out, ...v };
  }
  return out;
}
