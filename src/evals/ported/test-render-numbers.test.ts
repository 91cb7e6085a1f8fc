/**
 * Ported from pydantic-ai tests/evals/test_render_numbers.py. Durations are in seconds as in
 * pydantic-evals. Python's float-typed integral values (`0.0`, `17347.0`, `2.0`) cannot be told
 * from integers in JavaScript: those parameters are left out, each named below.
 */
import { describe, expect, it } from 'vitest';
import { defaultRenderDuration, defaultRenderDurationDiff, defaultRenderNumber, defaultRenderNumberDiff } from '../render-numbers.js';
import { renderDuration, renderNumber } from '../render.js';

describe('ported from pydantic-ai tests/evals/test_render_numbers.py', () => {
  // skipped (float-typed integral values, rendered as integers in JavaScript): 0.0, 17347.0, -17347.0, 2.0, 12.0
  const numbers: [number, string][] = [
    [0, '0'],
    [17348, '17,348'],
    [-17348, '-17,348'],
    [0.1234, '0.123'],
    [-0.1234, '-0.123'],
    [0.1, '0.100'],
    [-0.1, '-0.100'],
    [2398723.123, '2,398,723.1'],
    [0.00000000000001, '0.0000000000000100'],
  ];
  for (const [value, expected] of numbers) {
    it(`test_default_render_number[${value}]`, () => {
      expect(defaultRenderNumber(value)).toBe(expected);
    });
  }

  // skipped (both sides float-typed integral values in Python): (2.0, 25.0), (2.0, -25.0), (0.0, 25.0)
  const numberDiffs: [number, number, string | undefined][] = [
    [3, 3, undefined],
    [127.3, 127.3, undefined],
    [3, 4, '+1'],
    [4, 3, '-1'],
    [1.0, 1.7, '+0.7 / +70.0%'],
    [2.5, 1.0, '-1.5 / -60.0%'],
    [10.023, 10.024, '+0.001'],
    [1.00024, 1.00023, '-1e-05'],
    [0.02, 25.0, '+25.0 / 1,250x'],
    [0.02, -25.0, '-25.0 / -1,250x'],
    [0.001, 25.0, '+25.0'],
  ];
  for (const [old, now, expected] of numberDiffs) {
    it(`test_default_render_number_diff[${old}-${now}]`, () => {
      expect(defaultRenderNumberDiff(old, now)).toBe(expected);
    });
  }

  const durations: [number, string][] = [
    [-123.4567, '-123.5s'],
    [-0.1234567, '-123.5ms'],
    [-0.00001234567, '-12µs'],
    [-0.0000001234567, '-0.1µs'],
    [-0.00000001234567, '-0.0µs'],
    [0, '0s'],
    [0.00000001234567, '0.0µs'],
    [0.0000001234567, '0.1µs'],
    [0.000001234567, '1µs'],
    [0.0001234567, '123µs'],
    [0.001234567, '1.2ms'],
    [0.1234567, '123.5ms'],
    [1.234567, '1.2s'],
    [12.34567, '12.3s'],
    [123.4567, '123.5s'],
    [1234.567, '1,234.6s'],
    [12345.67, '12,345.7s'],
    [123456.7, '123,456.7s'],
  ];
  for (const [value, expected] of durations) {
    it(`test_default_render_duration[${value}]`, () => {
      expect(defaultRenderDuration(value)).toBe(expected);
    });
  }

  const durationDiffs: [number, number, string | undefined][] = [
    [3, 3, undefined],
    [127.3, 127.3, undefined],
    [3, 4, '+1.0s / +33.3%'],
    [4, 3, '-1.0s / -25.0%'],
    [1.0, 1.7, '+700.0ms / +70.0%'],
    [2.5, 1.0, '-1.5s / -60.0%'],
    [10.023, 10.024, '+1,000µs'],
    [1.00024, 1.00023, '-10µs'],
    [2.0, 25.0, '+23.0s / 12.5x'],
    [2.0, -25.0, '-27.0s / -12.5x'],
    [0.02, 25.0, '+25.0s / 1,250x'],
    [0.02, -25.0, '-25.0s / -1,250x'],
    [0.001, 25.0, '+25.0s'],
  ];
  for (const [old, now, expected] of durationDiffs) {
    it(`test_default_render_duration_diff[${old}-${now}]`, () => {
      expect(defaultRenderDurationDiff(old, now)).toBe(expected);
    });
  }

  it('test_default_duration_formatters_retain_microsecond_units', () => {
    expect(defaultRenderDuration(0.0001)).toBe('100µs');
    expect(defaultRenderDurationDiff(0.0001, 0.0002)).toBe('+100µs / +100.0%');
  });

  it('report tables use these formats (renderNumber; renderDuration takes milliseconds)', () => {
    expect([renderNumber(17348), renderNumber(0.1234), renderNumber(12.5), renderNumber(2398723.123)]).toEqual(['17,348', '0.123', '12.5', '2,398,723.1']);
    expect([renderDuration(1234.567), renderDuration(123.4567), renderDuration(0.1234567), renderDuration(0)]).toEqual(['1.2s', '123.5ms', '123µs', '0s']);
  });
});
