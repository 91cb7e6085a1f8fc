/**
 * pydantic-evals' number formatting for reports (`reporting/render_numbers.py`): values to at
 * least 3 significant figures with thousands separators, diffs as `+0.7 / +70.0%` or
 * `+23.0 / 12.5x`, durations in `µs`/`ms`/`s`. JavaScript has one number type, so an integral
 * value (`2.0`) is rendered as Python renders an `int` (`2`).
 */

const VALUE_SIG_FIGS = 3;
const ABS_SIG_FIGS = 3;
const PERC_DECIMALS = 1;
const MULTIPLIER_ONE_DECIMAL_THRESHOLD = 100;
const BASE_THRESHOLD = 1e-2;
const MULTIPLIER_DROP_FACTOR = 10;

function groupThousands(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** Python's `f'{value:,.{decimals}f}'` (with `+` when `signed`). */
function formatFixed(value: number, decimals: number, signed = false): string {
  if (!Number.isFinite(value)) return String(value);
  const fixed = Math.abs(value).toFixed(Math.min(100, decimals));
  const [int, frac] = fixed.split('.') as [string, string | undefined];
  const body = groupThousands(int) + (frac === undefined ? '' : `.${frac}`);
  const negative = value < 0 || Object.is(value, -0);
  return (negative ? '-' : signed ? '+' : '') + body;
}

/** Python's `format(x, ',.{sigFigs}g')` for `x >= 0`: fixed or `1e-05` notation, trailing zeros dropped. */
function formatGeneral(x: number, sigFigs: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const [mantissa, expText] = x.toExponential(sigFigs - 1).split('e') as [string, string];
  const exp = Number(expText);
  const strip = (s: string) => (s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s);
  if (exp >= -4 && exp < sigFigs) {
    const [int, frac] = strip(x.toFixed(sigFigs - 1 - exp)).split('.') as [string, string | undefined];
    return groupThousands(int) + (frac === undefined ? '' : `.${frac}`);
  }
  return `${strip(mantissa)}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
}

/**
 * A report value: an integer with thousands separators (`17,348`); any other number with at
 * least one decimal and at least 3 significant figures (`0.123`, `2,398,723.1`).
 */
export function defaultRenderNumber(value: number): string {
  if (Number.isInteger(value)) return formatFixed(value, 0);
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  let decimals: number;
  if (abs >= 1) {
    const digits = Math.floor(Math.log10(abs)) + 1;
    decimals = Math.max(1, VALUE_SIG_FIGS - digits);
  } else {
    decimals = -Math.floor(Math.log10(abs)) + VALUE_SIG_FIGS - 1;
  }
  return formatFixed(value, decimals);
}

/** A fraction as a percentage with one decimal (`0.5` → `'50.0%'`). */
export function defaultRenderPercentage(value: number): string {
  return `${formatFixed(value * 100, VALUE_SIG_FIGS - 2)}%`;
}

function renderSigned(value: number, sigFigs: number): string {
  let s = formatGeneral(Math.abs(value), sigFigs);
  if (!s.includes('e') && !s.includes('.')) s += '.0';
  return `${value >= 0 ? '+' : '-'}${s}`;
}

function renderRelative(now: number, base: number, smallBaseThreshold: number): string | undefined {
  if (base === 0) return undefined;
  const delta = now - base;
  if (Math.abs(base) < smallBaseThreshold && Math.abs(delta) > MULTIPLIER_DROP_FACTOR * Math.abs(base)) return undefined;
  const percent = `${formatFixed((delta / base) * 100, PERC_DECIMALS, true)}%`;
  if (percent === '+0.0%' || percent === '-0.0%') return undefined;
  if (Math.abs(delta) / Math.abs(base) <= 1) return percent;
  const multiplier = now / base;
  return `${formatFixed(multiplier, Math.abs(multiplier) < MULTIPLIER_ONE_DECIMAL_THRESHOLD ? 1 : 0)}x`;
}

/**
 * The change from `old` to `now`, or `undefined` when equal: integers as `+1`; otherwise the
 * difference to 3 significant figures and, when meaningful, the relative change (`+70.0%` up to
 * a doubling, else a multiplier `12.5x`).
 */
export function defaultRenderNumberDiff(old: number, now: number): string | undefined {
  if (old === now) return undefined;
  if (Number.isInteger(old) && Number.isInteger(now)) return formatFixed(now - old, 0, true);
  const abs = renderSigned(now - old, ABS_SIG_FIGS);
  const rel = renderRelative(now, old, BASE_THRESHOLD);
  return rel === undefined ? abs : `${abs} / ${rel}`;
}

function renderSeconds(seconds: number, signed: boolean): string {
  if (seconds === 0) return '0s';
  let precision = 1;
  let value: number;
  let unit: string;
  const abs = Math.abs(seconds);
  if (abs < 1e-3) {
    value = seconds * 1_000_000;
    unit = 'µs';
    if (Math.abs(value) >= 1) precision = 0;
  } else if (abs < 1) {
    value = seconds * 1_000;
    unit = 'ms';
  } else {
    value = seconds;
    unit = 's';
  }
  return `${formatFixed(value, precision, signed)}${unit}`;
}

/** A duration given in seconds: `µs` under a millisecond (`123µs`), `ms` under a second (`123.5ms`), else `s` (`1,234.6s`). */
export function defaultRenderDuration(seconds: number): string {
  return renderSeconds(seconds, false);
}

/** The change between two durations in seconds (`+700.0ms / +70.0%`), or `undefined` when equal. */
export function defaultRenderDurationDiff(old: number, now: number): string | undefined {
  if (old === now) return undefined;
  const abs = renderSeconds(now - old, true);
  const rel = renderRelative(now, old, BASE_THRESHOLD);
  return rel === undefined ? abs : `${abs} / ${rel}`;
}
