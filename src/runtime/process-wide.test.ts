import { describe, expect, it } from 'vitest';
import { processWide } from './process-wide.js';
import * as guard from './request-guard.js';
import * as models from './infer-model.js';
import { TestModel } from '../testing/index.js';

/** A second, separate instance of a module: what loading rehearse's other build gives. */
async function secondCopy<T>(path: string): Promise<T> {
  return (await import(/* @vite-ignore */ `${path}?second-copy`)) as T;
}

describe('process-wide state', () => {
  it('is created once per name and shared by every caller', () => {
    const a = processWide('test-state.v1', () => ({ n: 1 }));
    const b = processWide('test-state.v1', () => ({ n: 2 }));
    expect(b).toBe(a);
    expect(processWide('test-state.v2', () => ({ n: 3 })).n).toBe(3);
  });

  it('a request guard set through one copy of rehearse holds in another', async () => {
    const other = await secondCopy<typeof guard>('./request-guard.js');
    expect(other).not.toBe(guard);
    other.setAllowModelRequests(false);
    expect(guard.allowModelRequests()).toBe(false);
    guard.setAllowModelRequests(true);
    expect(other.allowModelRequests()).toBe(true);
    expect(other.withAllowModelRequests(false, () => guard.allowModelRequests())).toBe(false);
    guard.setAllowModelRequests(false); // as vitest.setup.ts left it
  });

  it('a model name registered through one copy resolves in another', async () => {
    const other = await secondCopy<typeof models>('./infer-model.js');
    other.registerModelProvider('second-copy-test', () => new TestModel({ modelName: 'from-other-copy' }));
    expect(models.inferModel('second-copy-test').modelName).toBe('from-other-copy');
  });
});
