import { describe, expect, it } from 'vitest';
import * as testing from './index.js';

describe('rehearse/testing public API', () => {
  it('exports the documented names', () => {
    for (const n of [
      'TestModel', 'FunctionModel', 'DeltaToolCall', 'DeltaThinkingPart', 'captureRunMessages', 'CapturedRunError',
      'setAllowModelRequests', 'withAllowModelRequests', 'allowModelRequests', 'estimateUsage', 'generateJsonSchemaData',
    ]) {
      expect(testing, n).toHaveProperty(n);
    }
  });
});
