// Rolling per-objective baseline of session shape: an exponentially decayed mean and variance of log(1+x)
// per metric. O(1) memory whatever the traffic, serialisable, and it follows a slowly changing workload.
import type { SessionView } from './view/session-view.js';

export const SHAPE_METRICS = ['spans', 'turns', 'tool_calls', 'llm_calls', 'messages', 'duration_ms'] as const;
export type ShapeMetric = (typeof SHAPE_METRICS)[number];

export interface MetricStats {
  /** Decayed mean of log(1 + value). */
  mean: number;
  /** Decayed variance of log(1 + value). */
  variance: number;
}

export interface ShapeBaseline {
  version: 1;
  /** Sessions observed (not decayed). */
  count: number;
  /** Sessions after which an old observation weighs half. */
  halfLife: number;
  metrics: Record<ShapeMetric, MetricStats>;
}

export function shapeOf(view: SessionView): Record<ShapeMetric, number> {
  return {
    spans: view.counts.spans,
    turns: view.counts.turns,
    tool_calls: view.counts.toolCalls,
    llm_calls: view.counts.llmCalls,
    messages: view.messages.length,
    duration_ms: view.durationMs,
  };
}

export interface RollingBaselineOptions {
  /** Sessions after which an observation weighs half (default 500). */
  halfLife?: number;
  /** Start from a snapshot (e.g. restored after a restart). */
  from?: ShapeBaseline;
}

export class RollingBaseline {
  private readonly state: ShapeBaseline;
  private readonly alphaFloor: number;

  constructor(options: RollingBaselineOptions = {}) {
    const halfLife = options.from?.halfLife ?? options.halfLife ?? 500;
    this.alphaFloor = 1 - Math.pow(0.5, 1 / halfLife);
    const metrics = {} as Record<ShapeMetric, MetricStats>;
    for (const metric of SHAPE_METRICS) metrics[metric] = { ...(options.from?.metrics[metric] ?? { mean: 0, variance: 0 }) };
    this.state = { version: 1, count: options.from?.count ?? 0, halfLife, metrics };
  }

  observe(view: SessionView): void {
    const shape = shapeOf(view);
    const count = ++this.state.count;
    // A plain average until the decay takes over, so early sessions are not dominated by the first one.
    const alpha = Math.max(1 / count, this.alphaFloor);
    for (const metric of SHAPE_METRICS) {
      const stats = this.state.metrics[metric];
      const x = Math.log1p(Math.max(0, shape[metric]));
      const delta = x - stats.mean;
      stats.mean += alpha * delta;
      stats.variance = (1 - alpha) * (stats.variance + alpha * delta * delta);
    }
  }

  snapshot(): ShapeBaseline {
    const metrics = {} as Record<ShapeMetric, MetricStats>;
    for (const metric of SHAPE_METRICS) metrics[metric] = { ...this.state.metrics[metric] };
    return { version: 1, count: this.state.count, halfLife: this.state.halfLife, metrics };
  }
}

/** Standard score of a session's metric against a baseline (log scale); undefined when it has too few sessions. */
export function shapeZ(baseline: ShapeBaseline | undefined, metric: ShapeMetric, value: number, minSessions = 20): number | undefined {
  if (!baseline || baseline.count < minSessions) return undefined;
  const stats = baseline.metrics[metric];
  // A floor on the spread: a perfectly regular workload should not make one extra span an outlier.
  const sd = Math.sqrt(Math.max(stats.variance, 0.04));
  return (Math.log1p(Math.max(0, value)) - stats.mean) / sd;
}
