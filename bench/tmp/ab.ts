import { z } from 'zod';
const A = await import('../../src/runtime/index.js');
const AT = await import('../../src/testing/index.js');
const B = await import('/tmp/rp/src/runtime/index.js' as string);
const BT = await import('/tmp/rp/src/testing/index.js' as string);
function agents(R: any, T: any) {
  const weather = R.tool({ name: 'get_weather', parameters: z.object({ city: z.string() }), execute: () => 'sunny' });
  const Weather = z.object({ city: z.string(), temperature_c: z.number() });
  return {
    'plain-text': new R.Agent({ model: new T.FunctionModel(() => [{ partKind: 'text', content: 'Paris' }]) }),
    'tool-round-trip': new R.Agent({ model: new T.FunctionModel((m: unknown[]) => (m.length === 1 ? [{ partKind: 'tool-call', toolName: 'get_weather', args: { city: 'Paris' }, toolCallId: 'c1' }] : [{ partKind: 'text', content: 'ok' }])), tools: [weather] }),
    'structured-output': new R.Agent({ model: new T.FunctionModel(() => [{ partKind: 'tool-call', toolName: 'final_result', args: { city: 'Paris', temperature_c: 21 }, toolCallId: 'o' }]), outputType: Weather }),
    'test-tool-round-trip': new R.Agent({ model: new T.TestModel(), tools: [weather] }),
  } as Record<string, any>;
}
const a = agents(A, AT), b = agents(B, BT);
const N = 100, ROUNDS = 41;
for (const name of Object.keys(a)) {
  const ra: number[] = [], rb: number[] = [];
  for (let r = 0; r < ROUNDS + 1; r++) {
    const pair = [[a[name], ra], [b[name], rb]] as const;
    for (const [agent, out] of r % 2 === 0 ? pair : [pair[1], pair[0]]) {
      const c0 = process.cpuUsage();
      for (let i = 0; i < N; i++) await agent.run('What is the weather in Paris?');
      const c = process.cpuUsage(c0);
      if (r > 0) out.push((c.user + c.system) / N);
    }
  }
  const med = (x: number[]) => [...x].sort((p, q) => p - q)[Math.floor(x.length / 2)]!;
  const paired = med(ra.map((v, i) => v / rb[i]!));
  console.log(JSON.stringify({ scenario: name, agent_api_cpu_us: +med(ra).toFixed(2), runtime_parity_cpu_us: +med(rb).toFixed(2), ratio_of_medians: +(med(ra) / med(rb)).toFixed(3), median_paired_ratio: +paired.toFixed(3) }));
}
