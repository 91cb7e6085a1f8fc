import { describe, expect, it } from 'vitest';
import * as runtime from './index.js';

describe('rehearse public API', () => {
  it('exports the documented names', () => {
    const names = [
      'Agent', 'tool', 'UserPromptNode', 'ModelRequestNode', 'CallToolsNode', 'End',
      'isUserPromptNode', 'isModelRequestNode', 'isCallToolsNode', 'isEndNode',
      'VERSION', 'loadModuleSync', 'UserError', 'ModelRetry', 'AgentRunError', 'UnexpectedModelBehavior', 'UsageLimitExceeded',
      'ModelHTTPError', 'ModelAPIError', 'ModelRequestsDisallowed',
      'RunUsage', 'UsageLimits', 'ModelMessagesSchema', 'parseModelMessages',
      'ToolOutput', 'NativeOutput', 'PromptedOutput', 'TextOutput',
      'ImageUrl', 'DocumentUrl', 'BinaryContent',
      'PartsManager', 'StreamedResponse', 'StreamedRunResult', 'AgentRun', 'AgentRunResult',
      'setAllowModelRequests', 'withAllowModelRequests', 'registerModelRequestInterception', 'interceptedErrorFor', 'modelRequestServing', 'captureRunMessages', 'inferModel', 'registerModelProvider',
      'InstrumentationSettings',
    ];
    for (const n of names) expect(runtime, n).toHaveProperty(n);
  });
});
