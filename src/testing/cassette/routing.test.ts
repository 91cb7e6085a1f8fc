import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { contextChainLength, enterCassetteContext, routedCassette, runWithCassette, type RoutedCassette } from './routing.js';

function fake(name: string): RoutedCassette & { stopped: boolean } {
  return {
    path: name,
    stopped: false,
    records: false,
    blocksEscapes: true,
    isPassthrough: () => false,
    takeExpected: () => false,
    escape: () => {
      throw new Error('unused');
    },
  };
}

describe('cassette routing by async context', () => {
  it('innermost active cassette wins; stopped ones fall back to their outer cassette (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }), async (stopped) => {
        const cassettes = stopped.map((_, i) => fake(`c${i}`));
        const nest = (i: number): Promise<RoutedCassette | undefined> =>
          i === cassettes.length ? Promise.resolve().then(() => routedCassette()) : runWithCassette(cassettes[i]!, () => nest(i + 1));
        stopped.forEach((s, i) => (cassettes[i]!.stopped = s));
        const innermostActive = [...cassettes].reverse().find((c) => !c.stopped);
        expect(await nest(0)).toBe(innermostActive);
      }),
    );
  });

  it('bindings leaked with enterWith do not pile up once their cassettes stop', async () => {
    const leak = async () => {
      for (let i = 0; i < 200; i += 1) {
        const c = fake(`leak${i}`);
        enterCassetteContext().bind(c);
        expect(routedCassette()).toBe(c);
        c.stopped = true;
      }
      expect(routedCassette()).toBeUndefined();
      return contextChainLength();
    };
    expect(await leak()).toBeLessThanOrEqual(1);
    // a binding whose cassette never started is skipped
    await (async () => {
      const outer = fake('outer');
      enterCassetteContext().bind(outer);
      enterCassetteContext().release();
      expect(routedCassette()).toBe(outer);
    })();
  });
});
