/**
 * Native tools: tools the provider runs itself (pydantic-ai's `native_tools`), as plain data the
 * agent passes to the model in `ModelRequestParameters.nativeTools`. A model that cannot run a
 * given native tool throws `UserError` naming it.
 */

/** Approximate location of the user, to localise web search results. */
export interface WebSearchUserLocation {
  city?: string;
  country?: string;
  region?: string;
  timezone?: string;
}

/** Web search run by the provider (pydantic-ai `WebSearchTool`, `kind: 'web_search'`). */
export interface WebSearchTool {
  readonly kind: 'web_search';
  /** How much web context the provider retrieves. Default `'medium'`, as pydantic-ai. */
  readonly searchContextSize: 'low' | 'medium' | 'high';
  /** Localises results; `undefined`: not sent. */
  readonly userLocation?: WebSearchUserLocation;
  /** Domains never to include; `undefined`: none. */
  readonly blockedDomains?: readonly string[];
  /** Only these domains; `undefined`: any. */
  readonly allowedDomains?: readonly string[];
  /** Stop after this many searches; `undefined`: the provider's default. */
  readonly maxUses?: number;
}

/** Any native tool. */
export type NativeTool = WebSearchTool;

/** Builds a `WebSearchTool`. */
export function WebSearchTool(options: Partial<Omit<WebSearchTool, 'kind'>> = {}): WebSearchTool {
  return { kind: 'web_search', searchContextSize: 'medium', ...options };
}
