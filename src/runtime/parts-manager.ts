/**
 * Assembles streamed deltas into response parts, as pydantic-ai's `ModelResponsePartsManager`.
 * Providers identify parts by a vendor id (e.g. OpenAI's tool-call index); a delta for an
 * unknown id starts a new part. Tool calls stay pending (no event) until their name is known;
 * argument JSON fragments are concatenated.
 */
import { UnexpectedModelBehavior } from './errors.js';
import type { ModelResponsePart, TextPart, ThinkingPart, ToolCallPart } from './messages.js';
import { generateToolCallId } from './messages.js';
import type { ModelResponseStreamEvent, PartDeltaEvent, PartStartEvent } from './stream-events.js';

type VendorId = string | number;

interface PendingToolCall { pending: true; toolName: string; args: string | Record<string, unknown> | undefined; toolCallId: string | undefined }
type Managed = ModelResponsePart | PendingToolCall;

function isPending(p: Managed): p is PendingToolCall {
  return (p as PendingToolCall).pending === true;
}

function joinArgs(
  current: string | Record<string, unknown> | undefined,
  delta: string | Record<string, unknown> | undefined,
): string | Record<string, unknown> | undefined {
  if (delta === undefined) return current;
  if (current === undefined) return typeof delta === 'string' ? delta : { ...delta };
  if (typeof current === 'string' && typeof delta === 'string') return current + delta;
  if (typeof current === 'object' && typeof delta === 'object') return { ...current, ...delta };
  throw new UnexpectedModelBehavior(`Cannot apply a ${typeof delta} args delta to ${typeof current} args`);
}

export class PartsManager {
  private readonly parts: Managed[] = [];
  private readonly vendorIndex = new Map<VendorId, number>();

  /** The completed parts (pending tool calls without a name are left out), copied. */
  getParts(): ModelResponsePart[] {
    const out: ModelResponsePart[] = [];
    for (const p of this.parts) if (!isPending(p)) out.push({ ...p });
    return out;
  }

  /** The part at `index`, or `undefined` (also for a pending tool call). */
  partAt(index: number): ModelResponsePart | undefined {
    const p = this.parts[index];
    return p === undefined || isPending(p) ? undefined : p;
  }

  private append(part: Managed, vendorId: VendorId | undefined): number {
    this.parts.push(part);
    const i = this.parts.length - 1;
    if (vendorId !== undefined) this.vendorIndex.set(vendorId, i);
    return i;
  }

  /**
   * Adds text. With `vendorPartId` undefined, extends the latest part if it is text.
   * @returns the event to emit.
   * @throws UnexpectedModelBehavior when the vendor id names a non-text part.
   */
  handleTextDelta(args: { vendorPartId?: VendorId; content: string; id?: string }): PartStartEvent | PartDeltaEvent {
    let index: number | undefined;
    if (args.vendorPartId === undefined) {
      const last = this.parts.length - 1;
      const lp = this.parts[last];
      if (lp !== undefined && !isPending(lp) && lp.partKind === 'text') index = last;
    } else {
      index = this.vendorIndex.get(args.vendorPartId);
      if (index !== undefined) {
        const p = this.parts[index]!;
        if (isPending(p) || p.partKind !== 'text') throw new UnexpectedModelBehavior(`Cannot apply a text delta to part ${index} (${isPending(p) ? 'tool-call' : p.partKind})`);
      }
    }
    if (index === undefined) {
      const part: TextPart = args.id === undefined ? { partKind: 'text', content: args.content } : { partKind: 'text', content: args.content, id: args.id };
      const i = this.append(part, args.vendorPartId);
      return { eventKind: 'part_start', index: i, part: { ...part } };
    }
    (this.parts[index] as TextPart).content += args.content;
    return { eventKind: 'part_delta', index, delta: { partDeltaKind: 'text', contentDelta: args.content } };
  }

  /**
   * Adds thinking content or a signature.
   * @throws UnexpectedModelBehavior when the vendor id names a non-thinking part.
   */
  handleThinkingDelta(args: { vendorPartId?: VendorId; content?: string; signature?: string; id?: string }): PartStartEvent | PartDeltaEvent {
    let index: number | undefined;
    if (args.vendorPartId === undefined) {
      const last = this.parts.length - 1;
      const lp = this.parts[last];
      if (lp !== undefined && !isPending(lp) && lp.partKind === 'thinking') index = last;
    } else {
      index = this.vendorIndex.get(args.vendorPartId);
      if (index !== undefined) {
        const p = this.parts[index]!;
        if (isPending(p) || p.partKind !== 'thinking') throw new UnexpectedModelBehavior(`Cannot apply a thinking delta to part ${index}`);
      }
    }
    if (index === undefined) {
      const part: ThinkingPart = { partKind: 'thinking', content: args.content ?? '' };
      if (args.signature !== undefined) part.signature = args.signature;
      if (args.id !== undefined) part.id = args.id;
      const i = this.append(part, args.vendorPartId);
      return { eventKind: 'part_start', index: i, part: { ...part } };
    }
    const p = this.parts[index] as ThinkingPart;
    if (args.content !== undefined) p.content += args.content;
    if (args.signature !== undefined) p.signature = (p.signature ?? '') + args.signature;
    const delta: PartDeltaEvent['delta'] = { partDeltaKind: 'thinking' };
    if (args.content !== undefined) delta.contentDelta = args.content;
    if (args.signature !== undefined) delta.signatureDelta = args.signature;
    return { eventKind: 'part_delta', index, delta };
  }

  /**
   * Adds a fragment of a tool call (name, JSON-args fragment, id). A part stays pending until
   * it has a name; then a `PartStartEvent` is returned, later fragments give `PartDeltaEvent`s.
   * @returns the event to emit, or `undefined` while the call is still pending.
   */
  handleToolCallDelta(args: {
    vendorPartId?: VendorId;
    toolName?: string;
    args?: string | Record<string, unknown>;
    toolCallId?: string;
  }): PartStartEvent | PartDeltaEvent | undefined {
    let index: number | undefined;
    if (args.vendorPartId === undefined) {
      if (args.toolName === undefined) {
        const last = this.parts.length - 1;
        const lp = this.parts[last];
        if (lp !== undefined && (isPending(lp) || lp.partKind === 'tool-call')) index = last;
      }
    } else {
      index = this.vendorIndex.get(args.vendorPartId);
      if (index !== undefined) {
        const p = this.parts[index]!;
        if (!isPending(p) && p.partKind !== 'tool-call') throw new UnexpectedModelBehavior(`Cannot apply a tool call delta to part ${index} (${p.partKind})`);
      }
    }
    if (index === undefined) {
      const pending: PendingToolCall = { pending: true, toolName: args.toolName ?? '', args: joinArgs(undefined, args.args), toolCallId: args.toolCallId };
      const i = this.append(pending, args.vendorPartId);
      if (pending.toolName === '') return undefined;
      const part = this.materialize(i, pending);
      return { eventKind: 'part_start', index: i, part: { ...part } };
    }
    const existing = this.parts[index]!;
    if (isPending(existing)) {
      existing.toolName += args.toolName ?? '';
      existing.args = joinArgs(existing.args, args.args);
      if (args.toolCallId !== undefined) existing.toolCallId = args.toolCallId;
      if (existing.toolName === '') return undefined;
      const part = this.materialize(index, existing);
      return { eventKind: 'part_start', index, part: { ...part } };
    }
    const call = existing as ToolCallPart;
    if (args.toolName !== undefined) call.toolName += args.toolName;
    const joined = joinArgs(call.args === '' ? undefined : call.args, args.args);
    call.args = joined ?? '';
    if (args.toolCallId !== undefined) call.toolCallId = args.toolCallId;
    const delta: PartDeltaEvent['delta'] = { partDeltaKind: 'tool_call', toolCallId: call.toolCallId };
    if (args.toolName !== undefined) delta.toolNameDelta = args.toolName;
    if (args.args !== undefined) delta.argsDelta = args.args;
    return { eventKind: 'part_delta', index, delta };
  }

  /** Adds a whole tool call. Replaces the part with the same vendor id, if any. */
  handleToolCallPart(args: { vendorPartId?: VendorId; toolName: string; args: string | Record<string, unknown>; toolCallId?: string }): PartStartEvent {
    const part: ToolCallPart = { partKind: 'tool-call', toolName: args.toolName, args: args.args, toolCallId: args.toolCallId ?? generateToolCallId() };
    const existing = args.vendorPartId === undefined ? undefined : this.vendorIndex.get(args.vendorPartId);
    if (existing !== undefined) {
      this.parts[existing] = part;
      return { eventKind: 'part_start', index: existing, part: { ...part } };
    }
    const i = this.append(part, args.vendorPartId);
    return { eventKind: 'part_start', index: i, part: { ...part } };
  }

  private materialize(index: number, pending: PendingToolCall): ToolCallPart {
    const part: ToolCallPart = {
      partKind: 'tool-call',
      toolName: pending.toolName,
      args: pending.args ?? '',
      toolCallId: pending.toolCallId ?? generateToolCallId(),
    };
    this.parts[index] = part;
    return part;
  }

  /** Applies an already-built event (used when replaying events). */
  applyEvent(event: ModelResponseStreamEvent): void {
    if (event.eventKind === 'part_start') {
      while (this.parts.length < event.index) this.parts.push({ pending: true, toolName: '', args: undefined, toolCallId: undefined });
      this.parts[event.index] = { ...event.part };
    } else if (event.eventKind === 'part_delta') {
      const p = this.parts[event.index];
      if (p === undefined || isPending(p)) return;
      const d = event.delta;
      if (d.partDeltaKind === 'text' && p.partKind === 'text') p.content += d.contentDelta;
      else if (d.partDeltaKind === 'thinking' && p.partKind === 'thinking') {
        p.content += d.contentDelta ?? '';
        if (d.signatureDelta !== undefined) p.signature = (p.signature ?? '') + d.signatureDelta;
      } else if (d.partDeltaKind === 'tool_call' && p.partKind === 'tool-call') {
        p.toolName += d.toolNameDelta ?? '';
        p.args = joinArgs(p.args === '' ? undefined : p.args, d.argsDelta) ?? '';
        if (d.toolCallId !== undefined) p.toolCallId = d.toolCallId;
      }
    }
  }
}
