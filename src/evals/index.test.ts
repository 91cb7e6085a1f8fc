import { describe, expect, it } from 'vitest';
import * as evals from './index.js';

describe('rehearse/evals public API', () => {
  it('exports its names', () => {
    expect(Object.keys(evals).sort()).toEqual(
      [
        'ArgumentCorrectness', 'BUILTIN_EVALUATORS', 'Case', 'Contains', 'Dataset', 'DatasetLoadError', 'EvalSpanProcessor', 'EvaluationReport',
        'Equals', 'EqualsExpected', 'Evaluator', 'EvaluatorContext', 'GradingOutput', 'HasMatchingSpan', 'IsInstance', 'LLMJudge', 'MatchesSchema',
        'MaxDuration', 'MaxModelRequests', 'MaxToolCalls', 'SpanNode', 'SpanTree', 'SpanTreeRecordingError', 'TRAJECTORY_ATTRIBUTE', 'ToolCorrectness',
        'TrajectoryMatch', 'agentTask', 'averageAggregates', 'averageCases', 'buildJudgePrompt', 'checkReport', 'defineEval', 'ensureEvalTracing',
        'evalSpanProcessor', 'getDefaultJudgeModel', 'groupEvaluationResults', 'incrementEvalMetric', 'isEvalSuite', 'judgeOutput', 'main',
        'normalizeSpanQuery', 'renderDuration', 'renderNumber', 'renderReport', 'reportToJUnitXml', 'reportsToJUnitXml', 'runEvaluator',
        'setDefaultJudgeModel', 'setEvalAttribute', 'trajectoryFromMessages',
      ].sort(),
    );
  });
});
