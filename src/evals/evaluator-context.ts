import { SpanTree, SpanTreeRecordingError } from './span-tree.js';
import { trajectoryFromAttributes, type TrajectoryStep } from './trajectory.js';

/**
 * Everything an evaluator sees about one case run (pydantic-evals' `EvaluatorContext`).
 * `spanTree` throws `SpanTreeRecordingError` when spans were not recorded.
 */
export class EvaluatorContext<I = unknown, O = unknown, M = unknown> {
  /** Report name of the case (with ` [i/N]` when repeated). */
  readonly name: string;
  readonly inputs: I;
  /** Case metadata; `undefined` when the case has none. */
  readonly metadata: M | undefined;
  /** Expected output; `undefined` when the case has none. */
  readonly expectedOutput: O | undefined;
  readonly output: O;
  /** Task wall time in milliseconds. */
  readonly durationMs: number;
  /** Attributes set with `setEvalAttribute` (and `trajectory` from `agentTask`). */
  readonly attributes: Record<string, unknown>;
  /** Metrics from `incrementEvalMetric` and from `gen_ai.*` span attributes. */
  readonly metrics: Record<string, number>;
  /** `undefined`: no spans, the empty tree is made on first read. */
  private spans: SpanTree | SpanTreeRecordingError | undefined;

  constructor(init: {
    name: string;
    inputs: I;
    metadata?: M | undefined;
    expectedOutput?: O | undefined;
    output: O;
    durationMs: number;
    spanTree?: SpanTree | SpanTreeRecordingError | undefined;
    attributes?: Record<string, unknown>;
    metrics?: Record<string, number>;
  }) {
    this.name = init.name;
    this.inputs = init.inputs;
    this.metadata = init.metadata;
    this.expectedOutput = init.expectedOutput;
    this.output = init.output;
    this.durationMs = init.durationMs;
    this.spans = init.spanTree;
    this.attributes = init.attributes ?? {};
    this.metrics = init.metrics ?? {};
  }

  /**
   * The spans the task produced.
   * @throws SpanTreeRecordingError when spans were not recorded for this case.
   */
  get spanTree(): SpanTree {
    const spans = this.spans;
    if (spans instanceof SpanTreeRecordingError) throw spans;
    return spans ?? (this.spans = new SpanTree());
  }

  /** Task wall time in seconds (`durationMs / 1000`), as pydantic-evals' `duration`. */
  get duration(): number {
    return this.durationMs / 1000;
  }

  /** Whether a span tree was recorded. */
  get hasSpanTree(): boolean {
    return !(this.spans instanceof SpanTreeRecordingError);
  }

  /** The trajectory recorded by `agentTask`, or `undefined`. */
  get trajectory(): TrajectoryStep[] | undefined {
    return trajectoryFromAttributes(this.attributes);
  }
}
