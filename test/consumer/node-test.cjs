// weather.test.cjs — node:test in a CommonJS project
const assert = require('node:assert/strict');
const { test } = require('node:test');
const { Agent } = require('rehearse');
const { TestModel } = require('rehearse/testing');
const { Case, Dataset, EqualsExpected } = require('rehearse/evals');

test('answers offline with TestModel', async () => {
  const result = await new Agent({ model: new TestModel({ customOutputText: 'ok' }) }).run('hi');
  assert.equal(result.output, 'ok');
});

test('an eval runs from CommonJS', async () => {
  const dataset = new Dataset({ cases: [new Case({ inputs: 2, expectedOutput: 4 })], evaluators: [new EqualsExpected()] });
  const report = await dataset.evaluate(async (n) => n * 2);
  assert.equal(report.averages().assertions, 1);
});
