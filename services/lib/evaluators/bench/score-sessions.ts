// Scores session records the way the scorer does for the built-in default objective: every default
// evaluator with its defaults, a rolling baseline observed after each session (in arrival order), and the
// review priority. Shared by the detection benchmark and the micro-benchmark.
import type { ISessionRecord } from '@tracebar/proto';
import {
  DEFAULT_MODEL_WINDOWS,
  DEFAULT_OBJECTIVE_EVALUATORS,
  RollingBaseline,
  buildSessionView,
  evaluatorTypes,
  reviewPriority,
  type DeterministicEvaluatorType,
  type EvaluatorDeps,
  type PriorityReason,
  type ScoredEvaluation,
  type SessionView,
} from '../src/index.js';

export interface ScoredSession {
  record: ISessionRecord;
  view: SessionView;
  scored: ScoredEvaluation[];
  priority: number;
  reasons: PriorityReason[];
}

const prepared = DEFAULT_OBJECTIVE_EVALUATORS.map((item) => {
  const type = evaluatorTypes.get(item.type) as DeterministicEvaluatorType;
  return { item, type, params: type.params.parse(item.params) };
});

export function scoreView(view: SessionView, baseline: RollingBaseline | undefined): Omit<ScoredSession, 'record'> {
  const snapshot = baseline?.snapshot();
  const deps: EvaluatorDeps = { signal: new AbortController().signal, fetch: globalThis.fetch, modelWindows: DEFAULT_MODEL_WINDOWS, now: Date.now, ...(snapshot ? { baseline: snapshot } : {}) };
  const scored: ScoredEvaluation[] = prepared.map(({ item, type, params }) => ({
    evaluatorId: item.id,
    type: item.type,
    required: item.required,
    weight: item.weight,
    evaluation: type.evaluate(view, params, deps),
  }));
  const { priority, reasons } = reviewPriority(view, scored, snapshot);
  return { view, scored, priority, reasons };
}

export function scoreRecords(records: readonly ISessionRecord[]): ScoredSession[] {
  const baseline = new RollingBaseline();
  return records.map((record) => {
    const view = buildSessionView(record);
    const result = scoreView(view, baseline);
    baseline.observe(view);
    return { record, ...result };
  });
}

/** The evidence a reviewer sees first: the first evidence of the evaluator behind the top reason. */
export function topEvidence(session: Omit<ScoredSession, 'record'>): { spanId: string; note: string } | undefined {
  for (const reason of session.reasons) {
    if (!reason.evaluatorId) continue;
    const evaluation = session.scored.find((s) => s.evaluatorId === reason.evaluatorId)?.evaluation;
    const first = evaluation?.evidence[0];
    if (first) return first;
  }
  return undefined;
}
