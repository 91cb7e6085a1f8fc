import { Agent, uuid7 } from '../../src/runtime/index.js';
import { FunctionModel } from '../../src/testing/index.js';
let t0 = performance.now();
for (let i = 0; i < 20000; i++) uuid7();
console.log('uuid7 us', ((performance.now() - t0) * 1000) / 20000);
const agent = new Agent({ model: new FunctionModel(() => [{ partKind: 'text', content: 'Paris' }]) });
for (const opts of [{}, { runId: 'r', conversationId: 'c' }, {}, { runId: 'r', conversationId: 'c' }] as const) {
  for (let i = 0; i < 300; i++) await agent.run('x', opts);
  t0 = performance.now();
  for (let i = 0; i < 2000; i++) await agent.run('x', opts);
  console.log(JSON.stringify(opts), ((performance.now() - t0) * 1000) / 2000);
}
