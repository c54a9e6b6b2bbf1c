// Review priority (DESIGN.md "Review queue"): independent reasons, each with a strength in [0,1), combine
// like probabilities (noisy-OR): priority = 1 - Π(1 - strength). Each reason's contribution is its share of
// the priority in proportion to -log(1 - strength), so the contributions add up to the priority exactly.
// README "Review priority" lists the reasons and why each weighs what it does.
import { shapeZ, type ShapeBaseline } from './baseline.js';
import type { Evaluation } from './types.js';
import type { SessionView } from './view/session-view.js';

export interface PriorityReason {
  code: string;
  contribution: number;
  detail: string;
  evaluatorId?: string;
}

export interface ScoredEvaluation {
  evaluatorId: string;
  type: string;
  required: boolean;
  weight: number;
  evaluation: Evaluation;
}

/** Strengths of the reasons (README "Review priority"). */
export const PRIORITY_WEIGHTS = Object.freeze({
  /** A failed required evaluator: base + per unit of (1 - score). */
  requiredFailedBase: 0.3,
  requiredFailedPerMiss: 0.3,
  /** A failed evaluator that is not required, times its weight. */
  optionalFailed: 0.2,
  /** A passed evaluator with findings (suspicious), per unit of (1 - score), times its weight. */
  suspicious: 0.35,
  /** A required evaluator that could not judge. */
  requiredUnscored: 0.1,
  /** Tool error rate (0..1) and unrecovered errors. */
  toolErrorRate: 0.3,
  unrecoveredError: 0.08,
  /** Length against the baseline: strength per standard score above -1, capped. */
  lengthPerZ: 0.12,
  lengthCap: 0.5,
  /** Without a baseline: per doubling of the span count over `typicalSpans`. */
  lengthPerDoubling: 0.06,
  typicalSpans: 16,
  /** Intent/output drift above 0.8 (1 = the answer shares nothing with the request or the user's words). */
  drift: 0.2,
  /** Each successful state-changing action: what is at stake when a session goes wrong. */
  perAction: 0.2,
  actionCap: 0.6,
});

interface Raw {
  code: string;
  strength: number;
  detail: string;
  evaluatorId?: string;
}

function signal(scored: readonly ScoredEvaluation[], type: string, name: string): number | undefined {
  for (const item of scored) if (item.type === type && item.evaluation.outcome !== 'unscored') return item.evaluation.signals[name];
  return undefined;
}

export function reviewPriority(
  view: SessionView,
  scored: readonly ScoredEvaluation[],
  baseline?: ShapeBaseline,
): { priority: number; reasons: PriorityReason[] } {
  const w = PRIORITY_WEIGHTS;
  const raw: Raw[] = [];
  for (const item of scored) {
    const evaluation = item.evaluation;
    const weight = Math.max(0, Math.min(1, item.weight));
    const miss = 1 - evaluation.score;
    const what = evaluation.pattern ? `${evaluation.pattern.pattern}/${evaluation.pattern.subtype}` : item.type;
    if (evaluation.outcome === 'failed') {
      const strength = item.required ? w.requiredFailedBase + w.requiredFailedPerMiss * miss : w.optionalFailed * weight * (0.5 + 0.5 * miss);
      raw.push({ code: item.required ? 'required_failed' : 'evaluator_failed', strength, detail: `${item.evaluatorId} failed (${what}): ${evaluation.detail}`, evaluatorId: item.evaluatorId });
    } else if (evaluation.outcome === 'unscored') {
      if (item.required) raw.push({ code: 'required_unscored', strength: w.requiredUnscored, detail: `${item.evaluatorId} could not judge: ${evaluation.unscoredReason ?? evaluation.detail}`, evaluatorId: item.evaluatorId });
    } else if (miss > 0 && evaluation.evidence.length > 0) {
      raw.push({ code: 'suspicious', strength: w.suspicious * miss * (item.required ? 1 : weight), detail: `${item.evaluatorId} found ${what}: ${evaluation.detail}`, evaluatorId: item.evaluatorId });
    }
  }
  const errorRate = signal(scored, 'tool_failures', 'tool_error_rate') ?? (view.counts.toolCalls > 0 ? view.counts.toolErrors / view.counts.toolCalls : 0);
  const unrecovered = signal(scored, 'tool_failures', 'unrecovered_errors') ?? 0;
  if (errorRate > 0) {
    raw.push({ code: 'tool_error_rate', strength: Math.min(0.6, w.toolErrorRate * errorRate + w.unrecoveredError * unrecovered), detail: `${Math.round(errorRate * 100)}% of ${view.counts.toolCalls} tool calls failed, ${unrecovered} never recovered` });
  }
  const z = shapeZ(baseline, 'spans', view.counts.spans);
  if (z !== undefined) {
    const strength = Math.min(w.lengthCap, w.lengthPerZ * Math.max(0, z + 1));
    if (strength > 0) raw.push({ code: 'length', strength, detail: `${view.counts.spans} spans, z=${z.toFixed(1)} against the objective's baseline` });
  } else if (view.counts.spans > 0) {
    const strength = Math.min(w.lengthCap, w.lengthPerDoubling * Math.max(0, Math.log2(view.counts.spans / w.typicalSpans) + 1));
    if (strength > 0) raw.push({ code: 'length', strength, detail: `${view.counts.spans} spans (no baseline yet)` });
  }
  // Drift counts when the answer is far from the request and from everything else the user said.
  const requestOverlap = signal(scored, 'reasoning_drift', 'request_overlap');
  const userOverlap = signal(scored, 'reasoning_drift', 'answer_user_overlap');
  if (requestOverlap !== undefined && userOverlap !== undefined) {
    const drift = 1 - Math.max(requestOverlap, userOverlap);
    if (drift > 0.8) raw.push({ code: 'drift', strength: w.drift * (drift - 0.8) * 5, detail: `final answer echoes ${Math.round(requestOverlap * 100)}% of the request, ${Math.round(userOverlap * 100)}% of the user's words` });
  }
  const actions = signal(scored, 'goal_misalignment', 'consequential_actions') ?? 0;
  if (actions > 0) raw.push({ code: 'consequential_actions', strength: Math.min(w.actionCap, 1 - Math.pow(1 - w.perAction, actions)), detail: `${actions} state-changing action${actions === 1 ? '' : 's'} taken` });
  return combine(raw);
}

function combine(raw: Raw[]): { priority: number; reasons: PriorityReason[] } {
  let keep = 1;
  let total = 0;
  const logs = raw.map((reason) => {
    const strength = Math.max(0, Math.min(0.999, reason.strength));
    keep *= 1 - strength;
    const log = -Math.log(1 - strength);
    total += log;
    return log;
  });
  const priority = 1 - keep;
  const reasons: PriorityReason[] = raw
    .map((reason, i) => {
      const out: PriorityReason = { code: reason.code, contribution: total > 0 ? (priority * logs[i]!) / total : 0, detail: reason.detail };
      if (reason.evaluatorId !== undefined) out.evaluatorId = reason.evaluatorId;
      return out;
    })
    .filter((reason) => reason.contribution > 0)
    .sort((a, b) => b.contribution - a.contribution);
  return { priority, reasons };
}
