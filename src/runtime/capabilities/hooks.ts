/**
 * `Hooks` (pydantic-ai's `capabilities/hooks.py`): lifecycle hooks as plain functions, given to
 * the constructor or registered with `hooks.on.<hook>(fn)`, no subclassing. Several functions on
 * one hook run in registration order (each `wrap*` nests inside the earlier ones).
 */
import { AbstractCapability, HOOK_NAMES } from './abstract.js';
import type { HookName } from './abstract.js';

type HookFn<K extends HookName> = AbstractCapability[K];
/** Hook functions by `AbstractCapability` method name (`beforeModelRequest`, `wrapToolExecute`...). */
export type HookFunctions = { [K in HookName]?: HookFn<K> };
/** `hooks.on.<hook>(fn)` registrars; each returns `fn`. */
export type HookRegistrars = { [K in HookName]: <F extends HookFn<K>>(fn: F) => F };

/** A capability made of hook functions. */
export class Hooks<Deps = any> extends AbstractCapability<Deps> {
  private readonly fns = new Map<HookName, ((...a: any[]) => any)[]>();
  /** Registrars: `hooks.on.beforeModelRequest(async (ctx, rc) => rc)`. */
  readonly on: HookRegistrars;

  constructor(functions: HookFunctions = {}) {
    super();
    const on = {} as Record<HookName, (fn: (...a: any[]) => any) => unknown>;
    for (const name of HOOK_NAMES) {
      on[name] = (fn) => {
        this.add(name, fn);
        return fn;
      };
    }
    this.on = on as unknown as HookRegistrars;
    for (const [name, fn] of Object.entries(functions)) if (fn !== undefined) this.add(name as HookName, fn as (...a: any[]) => any);
  }

  private add(name: HookName, fn: (...a: any[]) => any): void {
    let list = this.fns.get(name);
    if (list === undefined) {
      list = [];
      this.fns.set(name, list);
      (this as unknown as Record<string, unknown>)[name] = this.dispatcher(name, list);
    }
    list.push(fn);
  }

  private dispatcher(name: HookName, list: ((...a: any[]) => any)[]): (...a: any[]) => any {
    const self = this;
    switch (name) {
      case 'wrapRun':
      case 'wrapNodeRun':
      case 'wrapModelRequest':
      case 'wrapToolExecute':
        // nest: the first registered is outermost
        return (ctx: unknown, args: Record<string, any>) => {
          const key = name === 'wrapRun' ? undefined : name === 'wrapNodeRun' ? 'node' : name === 'wrapModelRequest' ? 'requestContext' : 'args';
          const call = (i: number, value: unknown): unknown => {
            if (i === list.length) return key === undefined ? args['handler']() : args['handler'](value);
            const inner = (v: unknown) => call(i + 1, v);
            return list[i]!(ctx, { ...args, ...(key === undefined ? {} : { [key]: value }), handler: key === undefined ? () => inner(undefined) : inner });
          };
          return call(0, key === undefined ? undefined : args[key]);
        };
      case 'onRunError':
      case 'onNodeRunError':
      case 'onModelRequestError':
      case 'onToolExecuteError':
        return async (ctx: unknown, args: Record<string, any>) => {
          let error = args['error'];
          for (const fn of list) {
            try {
              return await fn(ctx, { ...args, error });
            } catch (e) {
              error = e;
            }
          }
          throw error;
        };
      case 'wrapRunEventStream':
        return (ctx: unknown, args: { stream: AsyncIterable<unknown> }) => list.reduce((s, fn) => fn(ctx, { ...args, stream: s }), args.stream);
      case 'handleDeferredToolCalls':
        return async (ctx: unknown, args: { requests: any }) => {
          let merged: any;
          let remaining = args.requests;
          for (const fn of list) {
            if (remaining === undefined) break;
            const r = await fn(ctx, { requests: remaining });
            if (r === undefined) continue;
            if (merged === undefined) merged = r;
            else merged.update(r);
            remaining = remaining.remaining(r);
          }
          return merged;
        };
      default:
        // before*/after*/prepareTools: thread the value through each function
        return async (ctx: unknown, arg: any) => {
          const field = RESULT_FIELD[name];
          let value = field === undefined ? arg : arg[field];
          for (const fn of list) {
            const out = await fn(ctx, field === undefined ? value : { ...arg, [field]: value });
            if (name !== 'beforeRun') value = out;
          }
          return value;
        };
    }
    void self;
  }
}

/** For hooks taking an args object: the field whose value each function returns anew. */
const RESULT_FIELD: Partial<Record<HookName, string>> = {
  afterRun: 'result',
  beforeNodeRun: 'node',
  afterNodeRun: 'result',
  afterModelRequest: 'response',
  beforeToolExecute: 'args',
  afterToolExecute: 'result',
};
