import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import OpenAI from 'openai';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UserError } from '../../runtime/index.js';
import { CassetteRecordingInCI } from './cassette.js';
import { CassetteExpired, parseMaxAge } from './expiry.js';
import { startFakeOpenAIServer, type FakeOpenAIServer } from './fake-openai-server.js';
import { readCassette } from './format.js';
import { withCassette } from './with-cassette.js';

const DAY = 86_400_000;
const recordedAt = new Date('2026-01-01T00:00:00.000Z');
const after = (days: number) => () => new Date(recordedAt.getTime() + days * DAY);

let server: FakeOpenAIServer;
let dir: string;
beforeEach(async () => {
  server = await startFakeOpenAIServer();
  dir = await mkdtemp(join(tmpdir(), 'rehearse-expiry-'));
});
afterEach(async () => {
  await server.close();
});

const ask = (content: string): Promise<string | null | undefined> =>
  new OpenAI({ apiKey: 'sk-test', baseURL: server.baseURL, maxRetries: 0 }).chat.completions
    .create({ model: 'gpt-4o', messages: [{ role: 'user', content }] })
    .then((r) => r.choices[0]?.message.content);

async function recorded(): Promise<string> {
  const path = join(dir, 'c.yaml');
  await withCassette(path, { env: {}, now: () => recordedAt }, () => ask('hi'));
  expect(server.requests).toHaveLength(1);
  return path;
}

async function warningsDuring<T>(fn: () => Promise<T>): Promise<{ result: T; warnings: Error[] }> {
  const warnings: Error[] = [];
  const on = (w: Error): void => void warnings.push(w);
  process.on('warning', on);
  try {
    const result = await fn();
    await new Promise((r) => setImmediate(r)); // warnings are emitted on the next tick
    return { result, warnings };
  } finally {
    process.off('warning', on);
  }
}

describe('maxAge', () => {
  it('reads milliseconds and number+unit strings', () => {
    expect(parseMaxAge(1500)).toBe(1500);
    expect(parseMaxAge('30d')).toBe(30 * DAY);
    expect(parseMaxAge('1.5h')).toBe(5_400_000);
    expect(parseMaxAge('2w')).toBe(14 * DAY);
    expect(parseMaxAge(' 250 ms ')).toBe(250);
    for (const bad of ['30 days', 'soon', '-1d', -5, Number.NaN]) expect(() => parseMaxAge(bad as string | number)).toThrow(UserError);
    fc.assert(
      fc.property(fc.nat(10_000), fc.constantFrom(['ms', 1], ['s', 1000], ['m', 60_000], ['h', 3_600_000], ['d', DAY], ['w', 7 * DAY]), (n, [unit, ms]) => {
        expect(parseMaxAge(`${n}${unit as string}`)).toBe(n * (ms as number));
      }),
    );
  });

  it("onExpiry 'fail': an expired cassette throws CassetteExpired before any request", async () => {
    const path = await recorded();
    const err = await withCassette(path, { mode: 'none', env: {}, maxAge: '7d', onExpiry: 'fail', now: after(30) }, () => ask('hi')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CassetteExpired);
    expect((err as CassetteExpired).ageMs).toBe(30 * DAY);
    expect((err as Error).message).toContain(`Cassette ${path} expired: recorded 2026-01-01T00:00:00.000Z, 30 days ago, past its maxAge of 7 days.`);
    // within maxAge it replays
    expect(await withCassette(path, { mode: 'none', env: {}, maxAge: '7d', onExpiry: 'fail', now: after(6) }, () => ask('hi'))).toBe('echo: hi');
  });

  it("onExpiry 'warn' (the default): a process warning, then the replay", async () => {
    const path = await recorded();
    const { result, warnings } = await warningsDuring(() => withCassette(path, { mode: 'none', env: {}, maxAge: 7 * DAY, now: after(8) }, () => ask('hi')));
    expect(result).toBe('echo: hi');
    expect(warnings.map((w) => w.name)).toEqual(['CassetteExpired']);
    expect(warnings[0]?.message).toContain('Replaying it anyway (onExpiry: warn).');
    const fresh = await warningsDuring(() => withCassette(path, { mode: 'none', env: {}, maxAge: 7 * DAY, now: after(1) }, () => ask('hi')));
    expect(fresh.warnings).toEqual([]);
  });

  it("onExpiry 'rerecord': records again and writes a new recordedAt; in CI that is an error", async () => {
    const path = await recorded();
    await expect(withCassette(path, { env: { CI: '1' }, maxAge: '7d', onExpiry: 'rerecord', now: after(30) }, () => ask('hi'))).rejects.toBeInstanceOf(CassetteRecordingInCI);
    expect(server.requests).toHaveLength(1);
    expect(await withCassette(path, { env: {}, maxAge: '7d', onExpiry: 'rerecord', now: after(30) }, () => ask('hi'))).toBe('echo: hi');
    expect(server.requests).toHaveLength(2);
    expect((await readCassette(path))?.metadata?.recordedAt).toBe(after(30)().toISOString());
  });

  it('a VCR.py cassette (no recording time) never expires', async () => {
    const vcr = join(process.cwd(), 'fixtures', 'cassettes', 'cassette', 'corpus', 'test_valid_response.yaml');
    const out = await withCassette(vcr, { mode: 'none', env: {}, maxAge: 1, onExpiry: 'fail', allowUnplayed: true }, () => 'ok');
    expect(out).toBe('ok');
    expect(await readFile(vcr, 'utf8')).not.toContain('rehearse:');
  });
});
