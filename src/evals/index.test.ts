import { describe, expect, it } from 'vitest';
import * as evals from './index.js';

describe('rehearse/evals public API', () => {
  it('exports its names', () => {
    expect(Object.keys(evals).sort()).toEqual(
      [
        'ArgumentCorrectness', 'BUILTIN_EVALUATORS', 'Case', 'CaseNeverSettledError', 'CaseTimeoutError', 'Contains', 'Dataset', 'DatasetLoadError',
        'Equals', 'EqualsExpected', 'EvalSpanProcessor', 'EvaluationReport', 'Evaluator', 'EvaluatorContext', 'GradingOutput', 'HasMatchingSpan',
        'IsInstance', 'LLMJudge', 'MatchesSchema', 'MaxDuration', 'MaxModelRequests', 'MaxToolCalls', 'SpanNode', 'SpanTree',
        'SpanTreeRecordingError', 'TRAJECTORY_ATTRIBUTE', 'ToolCorrectness', 'TrajectoryMatch', 'UsageBudget', 'agentTask', 'assembleReport',
        'averageAggregates', 'averageCases', 'buildJudgePrompt', 'caseStatistics', 'checkReport', 'checkUsageBudget', 'compareCaseStatistics',
        'costOf', 'defaultRenderDuration', 'defaultRenderDurationDiff', 'defaultRenderNumber', 'defaultRenderNumberDiff', 'defaultRenderPercentage', 'defineEval', 'describeThrown', 'ensureEvalTracing', 'evalSpanProcessor', 'fisherExactTwoSided', 'getDefaultJudgeModel',
        'groupEvaluationResults', 'incrementEvalMetric', 'isEvalSuite', 'judgeOutput', 'meanInterval', 'normalizeSpanQuery', 'notStartedReport',
        'planRun', 'renderDuration', 'renderNumber', 'renderReport', 'reportToJUnitXml', 'reportsToJUnitXml', 'resultKind', 'runCase',
        'runEvaluation', 'runEvaluator', 'runPassed', 'setDefaultJudgeModel', 'setEvalAttribute', 'stringifySafe', 'toJsonSafe',
        'trajectoryFromMessages', 'wilsonInterval'
      ].sort(),
    );
  });
});
