/**
 * The recorded OpenAI corpus (fixtures/cassettes/corpus, recorded by pydantic-ai's test suite;
 * see its README for attribution) as runnable cases: for each case, the agent it describes
 * (model name, system prompt or instructions, tools returning the recorded values, output
 * type, settings) and a runner. Shared by the cassette-driven conformance test; not exported
 * from the package. The per-case adaptations follow src/runtime/models/openai-corpus.test.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import {
  Agent,
  BinaryContent,
  ImageUrl,
  NativeOutput,
  OpenAIChatModel,
  PromptedOutput,
  TextOutput,
  tool,
  type ModelMessage,
  type ModelSettings,
  type OpenAIModelProfile,
  type OutputSpec,
  type Tool,
  type UserContent,
} from '../../runtime/index.js';
import type { Interaction } from './cassette.js';

/** Folder of the corpus copy. */
export const CORPUS_DIR = join(process.cwd(), 'fixtures', 'cassettes', 'corpus');

/** A tool of a case, with what it returned in the recording. */
export interface CorpusTool {
  name: string;
  description: string;
  parameters_json_schema: Record<string, unknown>;
  strict: boolean | null;
  returns: unknown;
}

/** One entry of cases.json (fields used here). */
export interface CorpusCase {
  id: string;
  cassette: string;
  streaming: boolean;
  model: string;
  system_prompt: string | null;
  user_prompts: (string | { binary: string; content: string })[];
  tools: CorpusTool[];
  output: { kind: string; schema?: unknown };
  expected: {
    output: unknown;
    recorded_output?: unknown;
    tool_calls: { name: string; args?: Record<string, unknown> }[];
    usage?: { input_tokens: number; output_tokens: number }[];
    model_name?: string;
    warning?: string;
    error?: { type: string; status: number; message_match: string };
    stream_text_chunks?: string[];
    wire_assertion?: { tool_choice?: unknown };
  };
  http_interactions: number;
}

/** Cases rehearse cannot run yet, with the reason. */
export const UNSUPPORTED_CASES: Readonly<Record<string, string>> = {
  'openai-stream-moderation': 'asserts provider_details.moderation: rehearse has no openai_moderation setting nor moderation chunk mapping',
  'openai-web-search-preview': "needs pydantic-ai's WebSearchTool native tool (web_search_options)",
  'tool-choice-none-with-output': "needs the tool_choice model setting ('none'), which ModelSettings lacks",
};

const AS_INSTRUCTIONS = new Set(['openai-tool-roundtrip-instructions', 'temporal-sync-instructions']);
const GENERATED_SYSTEM_PROMPT = new Set(['openai-prompted-output', 'openai-prompted-output-multiple']);
const NO_USER_PROMPT = 'openai-system-prompt-no-user-prompt';
const SETTINGS: Record<string, ModelSettings> = {
  'openai-reasoning-model-temperature-dropped': { temperature: 0.5 },
  'openai-gpt5-temperature-ignored': { temperature: 0 },
  'openai-max-completion-tokens-gpt-4o-mini': { maxTokens: 100 },
  'openai-stop-sequences': { stopSequences: ['Paris'] },
};
const PROFILES: Record<string, OpenAIModelProfile> = { 'openai-error-400-system-role': { systemPromptRole: 'system' } };

const CityLocation = z.object({ city: z.string(), country: z.string() }).meta({ title: 'CityLocation', description: 'A city and its country.' });
const CountryLanguage = z.object({ country: z.string(), language: z.string() }).meta({ title: 'CountryLanguage' });

/** Reads cases.json. */
export function loadCorpusCases(dir: string = CORPUS_DIR): CorpusCase[] {
  return JSON.parse(readFileSync(join(dir, 'cases.json'), 'utf8')) as CorpusCase[];
}

function outputSpec(c: CorpusCase): OutputSpec<unknown> | undefined {
  switch (c.id) {
    case 'openai-native-output':
      return NativeOutput(CityLocation, { name: 'CityLocation', description: 'A city and its country.' });
    case 'openai-prompted-output':
      return PromptedOutput(CityLocation);
    case 'openai-prompted-output-multiple':
      return PromptedOutput([CityLocation, CountryLanguage] as z.ZodType<unknown>[]);
    case 'openai-text-output-function':
      return TextOutput((text) => text.toUpperCase());
    default:
      return undefined;
  }
}

function toolReturn(t: CorpusTool, args: Record<string, unknown>): unknown {
  if (t.name === 'get_upper_case') return String(args['text']).toUpperCase();
  if (t.name === 'get_weather') return `Sunny, 22C in ${String(args['city'])}`;
  if (t.returns !== null && typeof t.returns === 'object' && 'ImageUrl' in t.returns) return ImageUrl((t.returns as { ImageUrl: string }).ImageUrl);
  return t.returns;
}

function buildTools(c: CorpusCase): Tool[] {
  return c.tools
    .filter((t) => t.name !== 'final_result')
    .map((t) => {
      const parameters = z.fromJSONSchema(t.parameters_json_schema as Parameters<typeof z.fromJSONSchema>[0]);
      if (!(parameters instanceof z.ZodObject)) throw new Error(`tool ${t.name}: parameters are not an object schema`);
      return tool({ name: t.name, description: t.description, parameters, execute: (args: Record<string, unknown>) => toolReturn(t, args) });
    });
}

function userPrompt(c: CorpusCase, interactions: readonly Interaction[]): string | UserContent[] | undefined {
  if (c.user_prompts.length === 0) return undefined;
  if (c.user_prompts.length === 1 && typeof c.user_prompts[0] === 'string' && c.id !== 'openai-tool-returns-image-url') return c.user_prompts[0];
  return c.user_prompts.map((p) => {
    if (typeof p === 'string') return p;
    if (p.binary === 'text/plain') return BinaryContent(new Uint8Array(Buffer.from(p.content)), 'text/plain');
    // the PDF bytes come from the file part of the first recorded request
    const body = interactions[0]?.request.body;
    const messages = (body?.kind === 'json' ? (body.value as { messages?: { content: unknown }[] }).messages : undefined) ?? [];
    const parts = messages.flatMap((m) => (Array.isArray(m.content) ? (m.content as Record<string, unknown>[]) : []));
    const file = parts.find((x) => x['type'] === 'file')?.['file'] as { file_data: string } | undefined;
    if (file === undefined) throw new Error(`case ${c.id}: no file part in the recorded request`);
    return BinaryContent(file.file_data.replace(/^data:[^;]+;base64,/, ''), p.binary);
  });
}

/** What a case run produced. */
export interface CorpusRunResult {
  output: unknown;
  messages: ModelMessage[];
  streamedText: string[];
}

/**
 * Builds the case's agent around `OpenAIChatModel` (default SDK client, created on first use,
 * so interception installed before the run sees it) and runs it once.
 */
export async function runCorpusCase(c: CorpusCase, interactions: readonly Interaction[], options?: { maxRetries?: number }): Promise<CorpusRunResult> {
  const profile = PROFILES[c.id];
  const model = new OpenAIChatModel(c.model, { apiKey: 'sk-test', maxRetries: options?.maxRetries ?? 0, ...(profile ? { profile } : {}) });
  const sys = c.system_prompt !== null && !GENERATED_SYSTEM_PROMPT.has(c.id) && c.id !== NO_USER_PROMPT ? c.system_prompt : undefined;
  const output = outputSpec(c);
  const settings = SETTINGS[c.id];
  const agent = new Agent<undefined, unknown>({
    model,
    tools: buildTools(c),
    ...(sys !== undefined && AS_INSTRUCTIONS.has(c.id) ? { instructions: sys } : {}),
    ...(sys !== undefined && !AS_INSTRUCTIONS.has(c.id) ? { systemPrompt: sys } : {}),
    ...(output ? { outputType: output } : {}),
    ...(settings ? { modelSettings: settings } : {}),
  });
  const prompt = userPrompt(c, interactions);
  if (c.streaming) {
    const stream = await agent.runStream(prompt);
    const streamedText: string[] = [];
    for await (const text of stream.streamText()) streamedText.push(text);
    return { output: await stream.getOutput(), messages: stream.allMessages(), streamedText };
  }
  if (c.id === NO_USER_PROMPT) {
    // rehearse rejects a run with neither prompt nor history: the system prompt goes in as history (same wire request)
    const history: ModelMessage[] = [{ kind: 'request', parts: [{ partKind: 'system-prompt', content: c.system_prompt ?? '', timestamp: new Date().toISOString() }] }];
    const r = await agent.run(undefined, { messageHistory: history });
    return { output: r.output, messages: r.allMessages(), streamedText: [] };
  }
  const r = await agent.run(prompt);
  return { output: r.output, messages: r.allMessages(), streamedText: [] };
}
