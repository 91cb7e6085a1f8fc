// A consumer's node:test test in plain JavaScript (CommonJS).
const assert = require('node:assert/strict');
const { test } = require('node:test');
const { Agent } = require('rehearse');
const { TestModel } = require('rehearse/testing');
const { Dataset, Case, EqualsExpected } = require('rehearse/evals');

test('an agent with TestModel answers offline', async () => {
  const result = await new Agent({ model: new TestModel({ customOutputText: 'ok' }) }).run('hi');
  assert.equal(result.output, 'ok');
});

test('an eval runs from CommonJS', async () => {
  const dataset = new Dataset({ cases: [new Case({ inputs: 2, expectedOutput: 4 })], evaluators: [new EqualsExpected()] });
  const report = await dataset.evaluate(async (n) => n * 2);
  assert.equal(report.averages().assertions, 1);
});
