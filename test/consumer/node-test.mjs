// A consumer's node:test test in plain JavaScript (ESM).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Agent } from 'rehearse';
import { TestModel } from 'rehearse/testing';

test('an agent with TestModel answers offline', async () => {
  const result = await new Agent({ model: new TestModel({ customOutputText: 'ok' }) }).run('hi');
  assert.equal(result.output, 'ok');
  assert.equal(result.usage().requests, 1);
});
