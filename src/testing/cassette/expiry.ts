/**
 * Cassette expiry, as Polly.js's `expiresIn` and cassetter's max age: a recording older than
 * `maxAge` (by its `rehearse.recordedAt`) is reported, fails, or is recorded again.
 */
import { UserError } from '../../runtime/index.js';
import { CassetteError, type CassetteData, type RecordMode } from './cassette.js';

/** What an expired cassette does: `warn` (a process warning, then replay), `fail` ({@link CassetteExpired}), `rerecord` (mode `all`). */
export type OnExpiry = 'warn' | 'fail' | 'rerecord';

/** Expiry settings of a cassette. */
export interface ExpiryOptions {
  /**
   * Age after which a recording is expired: milliseconds, or a string of a number and a unit
   * (`ms`, `s`, `m`, `h`, `d`, `w`), e.g. `'30d'`, `'12h'`, `'1.5h'`. Default: never expires.
   * Cassettes without rehearse metadata (VCR.py) have no recording time and never expire.
   */
  maxAge?: number | string;
  /** What an expired cassette does. Default `'warn'`. */
  onExpiry?: OnExpiry;
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * Milliseconds of a `maxAge`.
 * @throws UserError for a negative, non-finite or unreadable value.
 */
export function parseMaxAge(v: number | string): number {
  let ms: number;
  if (typeof v === 'number') ms = v;
  else {
    const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)\s*$/i.exec(v);
    if (m === null) throw new UserError(`maxAge "${v}" is not a duration: use milliseconds or a number with ms, s, m, h, d or w (e.g. '30d')`);
    ms = Number(m[1]) * (UNIT_MS[(m[2] ?? 'ms').toLowerCase()] ?? 1);
  }
  if (!Number.isFinite(ms) || ms < 0) throw new UserError(`maxAge must be a non-negative duration, got ${String(v)}`);
  return ms;
}

/** The cassette's recording is older than `maxAge` and `onExpiry` is `'fail'`. */
export class CassetteExpired extends CassetteError {
  override readonly name = 'CassetteExpired' as const;
  /** ISO-8601 time the cassette was recorded. */
  readonly recordedAt: string;
  /** Age of the recording in milliseconds. */
  readonly ageMs: number;
  /** The configured maximum age in milliseconds. */
  readonly maxAgeMs: number;
  constructor(args: { cassettePath: string; recordedAt: string; ageMs: number; maxAgeMs: number; action: OnExpiry }) {
    const days = (ms: number): string => `${Math.round((ms / 86_400_000) * 10) / 10} days`;
    super(
      args.cassettePath,
      `Cassette ${args.cassettePath} expired: recorded ${args.recordedAt}, ${days(args.ageMs)} ago, past its maxAge of ${days(args.maxAgeMs)}. ` +
        (args.action === 'fail'
          ? 'Record it again (REHEARSE_RECORD_MODE=all outside CI) or raise maxAge.'
          : args.action === 'warn'
            ? 'Replaying it anyway (onExpiry: warn).'
            : 'Recording it again (onExpiry: rerecord).'),
    );
    this.recordedAt = args.recordedAt;
    this.ageMs = args.ageMs;
    this.maxAgeMs = args.maxAgeMs;
  }
}

/**
 * Applies expiry to a loaded cassette: unchanged when fresh, without metadata, or in mode
 * `all`; otherwise warns (a `process` warning of type `CassetteExpired`), throws, or switches
 * to mode `all` (re-recording; an error in CI, as any recording).
 * @throws CassetteExpired with `onExpiry: 'fail'`; UserError for a bad `maxAge`.
 */
export function applyExpiry(args: {
  path: string;
  data: CassetteData | undefined;
  mode: RecordMode;
  options: ExpiryOptions;
  now: Date;
}): { mode: RecordMode; data: CassetteData | undefined } {
  const { path, data, mode, options } = args;
  if (options.maxAge === undefined) return { mode, data };
  const maxAgeMs = parseMaxAge(options.maxAge);
  const recordedAt = data?.metadata?.recordedAt;
  if (recordedAt === undefined || mode === 'all') return { mode, data };
  const ageMs = args.now.getTime() - Date.parse(recordedAt);
  if (!(ageMs > maxAgeMs)) return { mode, data };
  const action = options.onExpiry ?? 'warn';
  const expired = new CassetteExpired({ cassettePath: path, recordedAt, ageMs, maxAgeMs, action });
  switch (action) {
    case 'fail':
      throw expired;
    case 'warn':
      process.emitWarning(expired.message, { type: 'CassetteExpired' });
      return { mode, data };
    case 'rerecord':
      return { mode: 'all', data: { interactions: [], metadata: undefined } };
    default: {
      const never: never = action;
      throw new UserError(`onExpiry must be 'warn', 'fail' or 'rerecord', got ${String(never)}`);
    }
  }
}
