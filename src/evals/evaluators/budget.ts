/**
 * Budgets as assertions: tokens, requests and cost per case, from the usage metrics a run
 * records (`agentTask` and the `gen_ai.*` spans fill `requests`, `input_tokens`,
 * `output_tokens`). New in rehearse; pydantic-evals has `MaxDuration` but no usage budgets.
 */
import type { EvaluatorContext } from '../evaluator-context.js';
import { Evaluator, type EvaluationReason, type EvaluatorOptions } from '../evaluator.js';

/** Prices to turn token counts into a cost, in US dollars per million tokens. */
export interface TokenPrices {
  inputPerMillionUsd: number;
  outputPerMillionUsd: number;
}

/** Limits per case; each one set becomes one assertion. `undefined` means no limit. */
export interface UsageBudgetLimits {
  maxRequests?: number;
  maxInputTokens?: number;
  maxOutputTokens?: number;
  /** Input plus output tokens. */
  maxTotalTokens?: number;
  /**
   * Cost in US dollars: from `prices` and the token counts when given, else the `cost` metric
   * (`operation.cost` span attributes). A case with neither fails the assertion (cost unknown).
   */
  maxCostUsd?: number;
  prices?: TokenPrices;
}

/** One limit a case went over. */
export interface BudgetCheck {
  /** `'max_requests'`, `'max_input_tokens'`, `'max_output_tokens'`, `'max_total_tokens'`, `'max_cost_usd'`. */
  name: string;
  ok: boolean;
  reason: string;
}

/** The cost in USD of a case's metrics: from `prices` when given, else the `cost` metric; `undefined` when unknown. */
export function costOf(metrics: Readonly<Record<string, number>>, prices: TokenPrices | undefined): number | undefined {
  if (prices) return ((metrics['input_tokens'] ?? 0) * prices.inputPerMillionUsd + (metrics['output_tokens'] ?? 0) * prices.outputPerMillionUsd) / 1e6;
  return metrics['cost'];
}

/** Checks metrics against every limit set, in the order of `UsageBudgetLimits`. */
export function checkUsageBudget(metrics: Readonly<Record<string, number>>, limits: UsageBudgetLimits): BudgetCheck[] {
  const out: BudgetCheck[] = [];
  const count = (name: string, limit: number | undefined, used: number, unit: string) => {
    if (limit === undefined) return;
    out.push({ name, ok: used <= limit, reason: `${used} ${unit} ${used <= limit ? '<=' : '>'} ${limit}` });
  };
  const input = metrics['input_tokens'] ?? 0;
  const output = metrics['output_tokens'] ?? 0;
  count('max_requests', limits.maxRequests, metrics['requests'] ?? 0, 'requests');
  count('max_input_tokens', limits.maxInputTokens, input, 'input tokens');
  count('max_output_tokens', limits.maxOutputTokens, output, 'output tokens');
  count('max_total_tokens', limits.maxTotalTokens, input + output, 'tokens');
  if (limits.maxCostUsd !== undefined) {
    const cost = costOf(metrics, limits.prices);
    if (cost === undefined) out.push({ name: 'max_cost_usd', ok: false, reason: 'cost unknown: give `prices` or record a `cost` metric' });
    else out.push({ name: 'max_cost_usd', ok: cost <= limits.maxCostUsd, reason: `$${cost.toFixed(6)} ${cost <= limits.maxCostUsd ? '<=' : '>'} $${limits.maxCostUsd}` });
  }
  return out;
}

/**
 * Asserts a case stayed within its usage budget: one assertion per limit set (named after the
 * limit, e.g. `max_total_tokens`, prefixed with `evaluationName` and `.` when given), with the
 * figures as the reason.
 * @throws TypeError when no limit is set.
 */
export class UsageBudget extends Evaluator {
  readonly limits: UsageBudgetLimits;
  constructor(options: UsageBudgetLimits & EvaluatorOptions) {
    super(options);
    const { evaluationName: _ignored, ...limits } = options;
    if (!Object.keys(limits).some((k) => k.startsWith('max') && limits[k as keyof UsageBudgetLimits] !== undefined)) {
      throw new TypeError('UsageBudget needs at least one limit (maxRequests, maxInputTokens, maxOutputTokens, maxTotalTokens, maxCostUsd)');
    }
    this.limits = limits;
  }
  evaluate(ctx: EvaluatorContext): Record<string, EvaluationReason> {
    const prefix = this.evaluationName ? `${this.evaluationName}.` : '';
    return Object.fromEntries(checkUsageBudget(ctx.metrics, this.limits).map((c) => [`${prefix}${c.name}`, { value: c.ok, reason: c.reason }]));
  }
}
