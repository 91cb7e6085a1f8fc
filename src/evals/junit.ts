/**
 * JUnit XML for CI systems: one `<testsuite>` per report, one `<testcase>` per run; a
 * `<failure>` lists the case's failed assertions, an `<error>` its task or evaluator failures
 * (type `TaskFailure`, `Timeout`, `NeverSettled` or `EvaluatorFailure`), a `<skipped>` marks a
 * run cancelled by an interrupt.
 */
import type { XMLBuilder as XMLBuilderClass } from 'fast-xml-parser';
import { lazyModule } from './lazy.js';
import type { EvaluationReport } from './report.js';

const fastXml = lazyModule<{ XMLBuilder: typeof XMLBuilderClass }>('fast-xml-parser');

/** Options of `toJUnitXml`. */
export interface JUnitOptions {
  /** `classname` of each test case; default the report name. */
  className?: string;
}

interface XmlTestCase {
  '@_name': string;
  '@_classname': string;
  '@_time': string;
  failure?: { '@_message': string; '@_type': string; '#text': string };
  error?: { '@_message': string; '@_type': string; '#text': string }[];
  skipped?: { '@_message': string };
  'system-out'?: string;
}

const FAILURE_TYPES = { error: 'TaskFailure', 'timed-out': 'Timeout', 'never-settled': 'NeverSettled' } as const;

function secs(ms: number): string {
  return (ms / 1000).toFixed(3);
}

/** Builds the `<testsuite>` element data of one report. */
export function reportToJUnitSuite(report: EvaluationReport, options: JUnitOptions = {}): Record<string, unknown> {
  const className = options.className ?? report.name;
  const testcases: XmlTestCase[] = [];
  let failures = 0;
  let errors = 0;
  let skipped = 0;
  let time = 0;
  for (const c of report.cases) {
    time += c.totalDurationMs;
    const tc: XmlTestCase = { '@_name': c.name, '@_classname': className, '@_time': secs(c.totalDurationMs) };
    const failed = Object.values(c.assertions).filter((a) => !a.value);
    if (failed.length) {
      failures++;
      tc.failure = {
        '@_message': `${failed.length} assertion(s) failed: ${failed.map((a) => a.name).join(', ')}`,
        '@_type': 'AssertionFailure',
        '#text': failed.map((a) => `${a.name}: failed${a.reason ? ` (${a.reason})` : ''}`).join('\n'),
      };
    }
    if (c.evaluatorFailures.length) {
      errors++;
      tc.error = c.evaluatorFailures.map((f) => ({ '@_message': `${f.name}: ${f.errorMessage}`, '@_type': 'EvaluatorFailure', '#text': f.errorStacktrace }));
    }
    const summary = [
      ...Object.values(c.scores).map((s) => `score ${s.name} = ${s.value}`),
      ...Object.values(c.labels).map((s) => `label ${s.name} = ${s.value}`),
    ];
    if (summary.length) tc['system-out'] = summary.join('\n');
    testcases.push(tc);
  }
  for (const f of report.failures) {
    errors++;
    testcases.push({
      '@_name': f.name,
      '@_classname': className,
      '@_time': secs(0),
      error: [{ '@_message': f.errorMessage, '@_type': FAILURE_TYPES[f.status ?? 'error'], '#text': f.errorStacktrace }],
    });
  }
  for (const x of report.cancelled) {
    skipped++;
    testcases.push({
      '@_name': x.name,
      '@_classname': className,
      '@_time': secs(0),
      skipped: { '@_message': x.reason === 'aborted' ? 'cancelled: aborted while running' : 'cancelled: not started' },
    });
  }
  return {
    '@_name': report.name,
    '@_tests': String(testcases.length),
    '@_failures': String(failures),
    '@_errors': String(errors),
    '@_skipped': String(skipped),
    '@_time': secs(time),
    testcase: testcases,
  };
}

/** Serializes reports as one JUnit XML document (`<testsuites>`). */
export function reportsToJUnitXml(reports: readonly EvaluationReport[], options: JUnitOptions = {}): string {
  const suites = reports.map((r) => reportToJUnitSuite(r, options));
  const sum = (k: string) => String(suites.reduce((s, x) => s + Number(x[k]), 0));
  const builder = new (fastXml().XMLBuilder)({ ignoreAttributes: false, attributeNamePrefix: '@_', format: true, suppressEmptyNode: true });
  const body = builder.build({
    testsuites: {
      '@_name': 'rehearse eval',
      '@_tests': sum('@_tests'),
      '@_failures': sum('@_failures'),
      '@_errors': sum('@_errors'),
      '@_skipped': sum('@_skipped'),
      testsuite: suites,
    },
  }) as string;
  return `<?xml version="1.0" encoding="UTF-8"?>\n${body}`;
}

/** JUnit XML of a single report. */
export function reportToJUnitXml(report: EvaluationReport, options: JUnitOptions = {}): string {
  return reportsToJUnitXml([report], options);
}
