export { Case } from './case.js';
export type { CaseOptions } from './case.js';
export { Dataset } from './dataset.js';
export type { DatasetOptions, ToFileOptions } from './dataset.js';
export { DatasetLoadError } from './dataset-file.js';
export type { DatasetLoadOptions, DatasetProblem, DatasetSchemaOptions } from './dataset-file.js';
export { Evaluator, runEvaluator, groupEvaluationResults } from './evaluator.js';
export type {
  EvaluationReason,
  EvaluationResult,
  EvaluationScalar,
  EvaluatorClass,
  EvaluatorFailure,
  EvaluatorOptions,
  EvaluatorOutput,
  RetryOptions,
} from './evaluator.js';
export { EvaluatorContext } from './evaluator-context.js';
export { Contains, Equals, EqualsExpected, HasMatchingSpan, IsInstance, MatchesSchema, MaxDuration } from './evaluators/common.js';
export type { ContainsOptions, DurationParts } from './evaluators/common.js';
export { ArgumentCorrectness, MaxModelRequests, MaxToolCalls, ToolCorrectness, TrajectoryMatch } from './evaluators/agentic.js';
export type {
  ArgumentCorrectnessOptions,
  MaxToolCallsOptions,
  ToolCorrectnessOptions,
  TrajectoryMatchOptions,
  TrajectoryOrder,
} from './evaluators/agentic.js';
export { GradingOutput, LLMJudge, buildJudgePrompt, getDefaultJudgeModel, judgeOutput, setDefaultJudgeModel } from './evaluators/llm-judge.js';
export type { JudgeOptions, JudgeOutputConfig, LLMJudgeOptions } from './evaluators/llm-judge.js';
export { BUILTIN_EVALUATORS } from './evaluators/builtins.js';
export { SpanNode, SpanTree, SpanTreeRecordingError, normalizeSpanQuery } from './span-tree.js';
export type { AttributeValue, SpanNodeData, SpanPredicate, SpanQuery, SpanStatus, SpanTimes } from './span-tree.js';
export { EvalSpanProcessor, evalSpanProcessor, ensureEvalTracing } from './span-collector.js';
export { incrementEvalMetric, setEvalAttribute } from './task-run.js';
export { TRAJECTORY_ATTRIBUTE } from './trajectory.js';
export type { ModelRequestStep, ToolCallStep, TrajectoryStep } from './trajectory.js';
export { agentTask, trajectoryFromMessages } from './agent-task.js';
export type { AgentTaskOptions } from './agent-task.js';
export type { CaseLifecycle, EvaluateOptions, EvaluationHandle, Task, TaskContext } from './runner.js';
export { EvaluationReport } from './report.js';
export type { CaseFailureStatus, EvaluationReportData, ReportCase, ReportCaseCancelled, ReportCaseFailure, ReportCaseGroup } from './report.js';
export { averageAggregates, averageCases } from './aggregate.js';
export type { ReportCaseAggregate } from './aggregate.js';
export { renderDuration, renderNumber, renderReport } from './render.js';
export { defaultRenderDuration, defaultRenderDurationDiff, defaultRenderNumber, defaultRenderNumberDiff, defaultRenderPercentage } from './render-numbers.js';
export type { RenderOptions } from './render.js';
export { reportToJUnitXml, reportsToJUnitXml } from './junit.js';
export type { JUnitOptions } from './junit.js';
export { defineEval, isEvalSuite } from './define-eval.js';
export type { EvalSuite } from './define-eval.js';
export { checkReport } from './thresholds.js';
export type { EvalThresholds } from './thresholds.js';
export { UsageBudget, checkUsageBudget, costOf } from './evaluators/budget.js';
export type { BudgetCheck, TokenPrices, UsageBudgetLimits } from './evaluators/budget.js';
export { fisherExactTwoSided, meanInterval, wilsonInterval } from './statistics.js';
export type { Interval } from './statistics.js';
export { caseStatistics, compareCaseStatistics, runPassed } from './case-statistics.js';
export type { CaseComparison, CaseStatistics, PassRateChange, ScoreStatistics } from './case-statistics.js';
export { CaseNeverSettledError, CaseTimeoutError, planRun, resultKind, runCase } from './run-case.js';
export type { CaseRunResult, PlannedRun, RunCaseArgs } from './run-case.js';
export { assembleReport, notStartedReport, runEvaluation } from './runner.js';
export { describeThrown } from './thrown.js';
export type { ThrownDescription } from './thrown.js';
export { stringifySafe, toJsonSafe } from './json-safe.js';
