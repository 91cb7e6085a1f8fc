/**
 * Resolves model names such as `'openai:gpt-4o'` or `'test'` to `Model` objects through a
 * registry that providers join with `registerModelProvider`.
 */
import { UserError } from './errors.js';
import type { Model } from './model.js';
import { processWide } from './process-wide.js';

/** Builds a model from the part of the name after `provider:`. */
export type ModelFactory = (modelName: string) => Model;

// shared by the ESM and CommonJS builds when both are loaded (see process-wide.ts)
const providers = processWide('modelProviders.v1', () => new Map<string, ModelFactory>());

/**
 * Registers a provider prefix, e.g. `registerModelProvider('openai', (name) => new OpenAIChatModel(name))`.
 * A later registration for the same prefix replaces the earlier one.
 */
export function registerModelProvider(prefix: string, factory: ModelFactory): void {
  providers.set(prefix, factory);
}

/** Known model names; any `'provider:model'` string with a registered provider works. */
export type KnownModelName = 'test' | `openai:${string}` | `openai-chat:${string}` | (string & {});

/**
 * Turns a model or model name into a `Model`. A bare name without a prefix is looked up as a
 * provider (e.g. `'test'`).
 * @throws UserError for an unknown provider prefix.
 */
export function inferModel(model: Model | KnownModelName): Model {
  if (typeof model !== 'string') return model;
  const colon = model.indexOf(':');
  const prefix = colon === -1 ? model : model.slice(0, colon);
  const rest = colon === -1 ? '' : model.slice(colon + 1);
  const factory = providers.get(prefix);
  if (!factory) {
    const known = [...providers.keys()].sort().join(', ') || '(none)';
    const hint = prefix === 'test' ? " Import 'rehearse/testing' (it registers 'test'), or pass new TestModel()." : '';
    throw new UserError(`Unknown model '${model}': no provider '${prefix}' is registered (known: ${known}). Pass a Model object or a name such as 'openai:gpt-4o'.${hint}`);
  }
  return factory(rest);
}
