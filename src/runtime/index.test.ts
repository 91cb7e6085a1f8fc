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
      // toolsets, deferred tools, capabilities, run identity
      'AbstractToolset', 'FunctionToolset', 'CombinedToolset', 'WrapperToolset', 'FilteredToolset', 'PrefixedToolset',
      'RenamedToolset', 'PreparedToolset', 'ApprovalRequiredToolset', 'SetMetadataToolset', 'ExternalToolset',
      'ApprovalRequired', 'CallDeferred', 'ToolApproved', 'ToolDenied', 'DeferredToolRequests', 'DeferredToolResults',
      'AbstractCapability', 'Hooks', 'ProcessHistory', 'PrepareTools', 'PrefixTools', 'ProcessEventStream', 'SetToolMetadata',
      'HandleDeferredToolCalls', 'ToolsetCapability', 'NEW_CONVERSATION', 'uuid7', 'templateInstructions',
    ];
    for (const n of names) expect(runtime, n).toHaveProperty(n);
  });
});
