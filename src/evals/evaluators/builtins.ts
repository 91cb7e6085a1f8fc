import type { EvaluatorClass } from '../evaluator.js';
import { ArgumentCorrectness, MaxModelRequests, MaxToolCalls, ToolCorrectness, TrajectoryMatch } from './agentic.js';
import { LLMJudge } from './llm-judge.js';
import { Contains, Equals, EqualsExpected, HasMatchingSpan, IsInstance, MatchesSchema, MaxDuration } from './common.js';
import { UsageBudget } from './budget.js';

/** Evaluator classes dataset files can name without registering them. */
export const BUILTIN_EVALUATORS: readonly EvaluatorClass[] = [
  Equals,
  EqualsExpected,
  Contains,
  IsInstance,
  MatchesSchema,
  MaxDuration,
  LLMJudge,
  HasMatchingSpan,
  ToolCorrectness,
  TrajectoryMatch,
  ArgumentCorrectness,
  MaxToolCalls,
  MaxModelRequests,
  UsageBudget,
] as unknown as readonly EvaluatorClass[];
