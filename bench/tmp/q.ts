import { Agent } from '../../src/runtime/index.js';
import { FunctionModel } from '../../src/testing/index.js';
const agent = new Agent({ model: new FunctionModel(() => [{ partKind: 'text', content: 'Paris' }]) });
for (let i = 0; i < 300; i++) await agent.run('x');
const t0 = performance.now();
const N = Number(process.env.N ?? 3000);
for (let i = 0; i < N; i++) await agent.run('x');
console.log(JSON.stringify({ us: ((performance.now() - t0) * 1000) / N }));
