// weather.test.mjs — the same kind of test with node:test, in plain JavaScript
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Agent } from 'rehearse';
import { TestModel } from 'rehearse/testing';

test('answers offline with TestModel', async () => {
  const agent = new Agent({ model: new TestModel({ customOutputText: 'It is sunny.' }) });
  const result = await agent.run('Weather in Paris?');
  assert.equal(result.output, 'It is sunny.');
  assert.equal(result.usage().requests, 1);
});
