// session_shape: turns, length, tool calls and duration against the objective's rolling baseline (or fixed
// caps until the baseline has seen enough sessions), and back-to-back repeats of the same step.
import { z } from 'zod';
import { shapeOf, shapeZ, type ShapeMetric } from '../../baseline.js';
import { evidenceFor, failed, passed } from '../../evaluation.js';
import type { Evaluation, EvaluatorDeps, DeterministicEvaluatorType } from '../../types.js';
import type { SessionView } from '../../view/session-view.js';

export const sessionShapeParams = z
  .object({
    /** Standard scores (log scale) from which a metric is an outlier. */
    outlierZ: z.number().positive().default(3),
    /** Sessions the baseline needs before it is used. */
    minBaselineSessions: z.number().int().min(1).default(20),
    /** Caps used without a baseline. */
    maxTurns: z.number().int().positive().default(40),
    maxToolCalls: z.number().int().positive().default(100),
    maxSpans: z.number().int().positive().default(1_000),
    maxDurationMs: z.number().positive().default(3_600_000),
  })
  .strict()
  .prefault({});

export type SessionShapeParams = z.infer<typeof sessionShapeParams>;

const CHECKED: readonly ShapeMetric[] = ['spans', 'turns', 'tool_calls', 'duration_ms'];

function evaluateSessionShape(view: SessionView, params: SessionShapeParams, deps: EvaluatorDeps): Evaluation {
  const shape = shapeOf(view);
  const signals: Record<string, number> = { spans: shape.spans, turns: shape.turns, tool_calls: shape.tool_calls, duration_ms: shape.duration_ms };
  if (view.counts.spans === 0) return { ...passed('empty session', signals), outcome: 'unscored', unscoredReason: 'no spans', score: 0 };
  const outliers: string[] = [];
  let maxZ = -Infinity;
  let usedBaseline = false;
  for (const metric of CHECKED) {
    const z = shapeZ(deps.baseline, metric, shape[metric], params.minBaselineSessions);
    if (z === undefined) continue;
    usedBaseline = true;
    signals[`${metric}_z`] = z;
    if (z > maxZ) maxZ = z;
    if (z >= params.outlierZ) outliers.push(`${metric.replace('_', ' ')} ${Math.round(shape[metric])} (z=${z.toFixed(1)})`);
  }
  if (!usedBaseline) {
    const caps: Array<[ShapeMetric, number]> = [
      ['turns', params.maxTurns],
      ['tool_calls', params.maxToolCalls],
      ['spans', params.maxSpans],
      ['duration_ms', params.maxDurationMs],
    ];
    for (const [metric, cap] of caps) if (shape[metric] > cap) outliers.push(`${metric.replace('_', ' ')} ${Math.round(shape[metric])} over ${cap}`);
  }
  signals.length_z = Number.isFinite(maxZ) ? maxZ : 0;
  if (outliers.length === 0) return passed(usedBaseline ? `shape within the baseline (max z ${signals.length_z.toFixed(1)})` : 'shape within the default caps', signals);
  const last = view.spans[view.spans.length - 1]!;
  const score = Math.max(0, 1 - 0.25 * outliers.length);
  return failed(score, undefined, `unusual shape: ${outliers.join(', ')}`, [evidenceFor(view, last.spanId, `session ends here after ${outliers.join(', ')}`)], signals);
}

export const sessionShape: DeterministicEvaluatorType<SessionShapeParams> = {
  type: 'session_shape',
  version: 1,
  description: "Turns, length, tool calls and duration against the objective's rolling baseline.",
  params: sessionShapeParams,
  deterministic: true,
  evaluate: (session, params, deps) => evaluateSessionShape(session, params, deps),
};
