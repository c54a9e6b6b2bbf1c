// The verdict of one session against one objective: passed when every required evaluator
// passed; a required evaluator that could not judge makes it unscored, never passed.
import type { ScoredEvaluation } from '@tracebar/evaluators';

export type VerdictOutcome = 'passed' | 'failed' | 'unscored';

export interface SessionVerdict {
  outcome: VerdictOutcome;
  failedRequired: string[];
  unscoredRequired: string[];
  /** Distinct patterns of every failed evaluator (required or not), "pattern/subtype". */
  failedPatterns: { pattern: string; subtype: string }[];
  /** Weighted mean score of the evaluators that judged; 0 when none did. */
  score: number;
}

export function decideVerdict(scored: readonly ScoredEvaluation[]): SessionVerdict {
  const failedRequired: string[] = [];
  const unscoredRequired: string[] = [];
  const patterns = new Map<string, { pattern: string; subtype: string }>();
  let weighted = 0;
  let weights = 0;
  for (const { evaluatorId, required, weight, evaluation } of scored) {
    if (evaluation.outcome === 'failed') {
      if (required) failedRequired.push(evaluatorId);
      if (evaluation.pattern) patterns.set(`${evaluation.pattern.pattern}/${evaluation.pattern.subtype}`, evaluation.pattern);
    } else if (evaluation.outcome === 'unscored' && required) unscoredRequired.push(evaluatorId);
    if (evaluation.outcome !== 'unscored') {
      weighted += evaluation.score * weight;
      weights += weight;
    }
  }
  const outcome: VerdictOutcome = failedRequired.length > 0 ? 'failed' : unscoredRequired.length > 0 ? 'unscored' : 'passed';
  return { outcome, failedRequired, unscoredRequired, failedPatterns: [...patterns.values()], score: weights > 0 ? weighted / weights : 0 };
}
