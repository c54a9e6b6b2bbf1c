// One session against every objective that selects it: run the objective's evaluators, decide
// the verdict, rank it for review. Pure apart from the injected clock, fetch and baselines.
import {
  buildSessionView,
  reviewPriority,
  type EvaluatorDeps,
  type EvaluatorType,
  type ScoredEvaluation,
  type SessionView,
} from '@tracebar/evaluators';
import { selectObjectives, type Objective, type ObjectiveSet } from '@tracebar/objectives';
import { Outcome, ReviewStatus, toLong, type IReviewItem, type IScore, type IScoreRecord } from '@tracebar/proto';
import type { Baselines } from './baselines.js';
import { runEvaluator, unscored, type RunStatus } from './run-evaluator.js';
import type { ScoringRecord } from './scoring-record.js';
import { sessionFacts } from './session-facts.js';
import { decideVerdict, type SessionVerdict } from './verdict.js';

export interface ScoringContext {
  objectives: ObjectiveSet;
  evaluators: ReadonlyMap<string, EvaluatorType>;
  deps: Omit<EvaluatorDeps, 'signal' | 'baseline'>;
  timeoutMs: number;
  reviewThreshold: number;
  taxonomyVersion: number;
  baselines: Baselines;
}

export interface EvaluatorRunReport {
  type: string;
  outcome: string;
  status: RunStatus;
  seconds: number;
}

export interface ObjectiveScoring {
  objective: Objective;
  verdict: SessionVerdict;
  priority: number;
  score: IScoreRecord;
  review: IReviewItem | undefined;
}

export interface SessionScoring {
  results: ObjectiveScoring[];
  runs: EvaluatorRunReport[];
}

const OUTCOME = { passed: Outcome.OUTCOME_PASSED, failed: Outcome.OUTCOME_FAILED, unscored: Outcome.OUTCOME_UNSCORED } as const;
const MAX_REVIEW_EVIDENCE = 10;
/**
 * An evaluator that names a failure pattern and scores at most this makes the session
 * suspicious (a review item) even when it stayed within its fail bar and the priority is low.
 */
export const SUSPICIOUS_SCORE = 0.5;

function scoreProto(s: ScoredEvaluation, version: number, durationNs: bigint): IScore {
  const e = s.evaluation;
  return {
    evaluatorId: s.evaluatorId,
    evaluatorType: s.type,
    evaluatorVersion: version,
    required: s.required,
    weight: s.weight,
    score: e.score,
    outcome: OUTCOME[e.outcome],
    ...(e.pattern ? { pattern: { pattern: e.pattern.pattern, subtype: e.pattern.subtype } } : {}),
    evidence: e.evidence.map((item) => ({ spanId: item.spanId, traceId: item.traceId, note: item.note })),
    detail: e.detail,
    unscoredReason: e.unscoredReason ?? '',
    durationNano: toLong(durationNs),
  };
}

/** Evidence for a reviewer: failed required evaluators first, then the lowest scores. */
function reviewEvidence(scored: readonly ScoredEvaluation[]) {
  const rank = (s: ScoredEvaluation) => (s.evaluation.outcome === 'failed' ? (s.required ? 0 : 1) : 2);
  return scored
    .filter((s) => s.evaluation.outcome === 'failed' || (s.evaluation.outcome === 'passed' && s.evaluation.score < 1))
    .sort((a, b) => rank(a) - rank(b) || a.evaluation.score - b.evaluation.score)
    .flatMap((s) => s.evaluation.evidence.map((item) => ({ spanId: item.spanId, traceId: item.traceId, note: `${s.evaluatorId}: ${item.note}` })))
    .slice(0, MAX_REVIEW_EVIDENCE);
}

async function scoreAgainst(record: ScoringRecord, view: SessionView, objective: Objective, ctx: ScoringContext, runs: EvaluatorRunReport[], nowNs: bigint): Promise<ObjectiveScoring> {
  const baseline = ctx.baselines.get(record.tenant, objective.id);
  const snapshot = baseline.snapshot();
  const deps = { ...ctx.deps, baseline: snapshot };
  const evaluated = await Promise.all(
    objective.evaluators.map(async (entry) => {
      const type = ctx.evaluators.get(entry.type);
      const run = type
        ? await runEvaluator(type, view, entry.params, deps, ctx.timeoutMs)
        : { evaluation: unscored('unknown evaluator type', `evaluator type ${entry.type} is not installed`), status: 'error' as const, durationNs: 0n };
      runs.push({ type: entry.type, outcome: run.evaluation.outcome, status: run.status, seconds: Number(run.durationNs) / 1e9 });
      const scored: ScoredEvaluation = { evaluatorId: entry.id, type: entry.type, required: entry.required, weight: entry.weight, evaluation: run.evaluation };
      return { scored, proto: scoreProto(scored, entry.version, run.durationNs) };
    }),
  );
  const scored = evaluated.map((e) => e.scored);
  const verdict = decideVerdict(scored);
  const { priority, reasons } = reviewPriority(view, scored, snapshot);
  baseline.observe(view);
  const summary = record.summary;
  const objectiveRef = { id: objective.id, version: objective.version, contentHash: objective.contentHash };
  const score: IScoreRecord = {
    tenant: record.tenant,
    sessionKey: record.sessionKey,
    sessionRevision: record.revision,
    objective: objectiveRef,
    verdict: {
      outcome: OUTCOME[verdict.outcome],
      failedPatterns: verdict.failedPatterns,
      failedRequiredEvaluators: verdict.failedRequired,
      unscoredRequiredEvaluators: verdict.unscoredRequired,
      score: verdict.score,
    },
    scores: evaluated.map((e) => e.proto),
    taxonomyVersion: String(ctx.taxonomyVersion),
    scoredTimeUnixNano: toLong(nowNs),
    sessionStartTimeUnixNano: summary?.startTimeUnixNano ?? null,
    sessionEndTimeUnixNano: summary?.endTimeUnixNano ?? null,
    serviceName: summary?.serviceName ?? '',
    serviceVersion: summary?.serviceVersion ?? '',
    agentName: summary?.agentName ?? '',
  };
  const suspicious = scored.some((s) => s.evaluation.pattern !== undefined && s.evaluation.outcome !== 'unscored' && s.evaluation.score <= SUSPICIOUS_SCORE);
  const wanted = verdict.outcome === 'failed' || suspicious || priority >= ctx.reviewThreshold;
  const review: IReviewItem | undefined = wanted
    ? {
        tenant: record.tenant,
        sessionKey: record.sessionKey,
        sessionRevision: record.revision,
        objective: objectiveRef,
        priority,
        reasons: reasons.map((r) => ({ code: r.code, contribution: r.contribution, detail: r.detail, evaluatorId: r.evaluatorId ?? '' })),
        status: ReviewStatus.REVIEW_STATUS_OPEN,
        verdict: OUTCOME[verdict.outcome],
        patterns: verdict.failedPatterns,
        evidence: reviewEvidence(scored),
        createdTimeUnixNano: toLong(nowNs),
        sessionStartTimeUnixNano: summary?.startTimeUnixNano ?? null,
        sessionEndTimeUnixNano: summary?.endTimeUnixNano ?? null,
        serviceName: summary?.serviceName ?? '',
        serviceVersion: summary?.serviceVersion ?? '',
        agentName: summary?.agentName ?? '',
        firstUserInput: summary?.firstUserInput ?? '',
        finalOutput: summary?.finalOutput ?? '',
        spanCount: summary?.spanCount ?? 0,
        turnCount: summary?.turnCount ?? 0,
      }
    : undefined;
  return { objective, verdict, priority, score, review };
}

/**
 * Scores one whole session (parts joined) against every objective that selects it: a record read by
 * decodeScoringRecord, or a fully decoded SessionRecord (the same scores).
 */
export async function scoreSession(record: ScoringRecord, ctx: ScoringContext): Promise<SessionScoring> {
  const view = buildSessionView(record);
  const objectives = selectObjectives(ctx.objectives.active, ctx.objectives.fallback, sessionFacts(record, ctx.objectives.selectorKeys));
  const runs: EvaluatorRunReport[] = [];
  const nowNs = BigInt(Math.round(ctx.deps.now())) * 1_000_000n;
  const results = await Promise.all(objectives.map((objective) => scoreAgainst(record, view, objective, ctx, runs, nowNs)));
  return { results, runs };
}
