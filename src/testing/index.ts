import { registerModelProvider } from '../runtime/index.js';
import { TestModel } from './test-model.js';

export { estimateUsage, estimateStringTokens, ESTIMATED_REQUEST_OVERHEAD_TOKENS } from './estimate-usage.js';
export { generateJsonSchemaData, JsonSchemaTestData } from './json-schema-data.js';
export type { JsonSchemaInput } from './json-schema-data.js';
export { TestModel, TestStreamedResponse } from './test-model.js';
export type { TestModelOptions } from './test-model.js';

// `new Agent({ model: 'test' })` gives a TestModel once rehearse/testing is imported ('test:name' sets its model name).
registerModelProvider('test', (name) => new TestModel(name ? { modelName: name } : {}));

export { FunctionModel, DeltaToolCall, DeltaThinkingPart } from './function-model.js';
export type { AgentInfo, FunctionDef, FunctionModelOptions, FunctionResponse, StreamFunctionDef, StreamItem } from './function-model.js';
export { captureRunMessages, CapturedRunError, setAllowModelRequests, withAllowModelRequests, allowModelRequests } from '../runtime/index.js';
export * from './cassette/index.js';
