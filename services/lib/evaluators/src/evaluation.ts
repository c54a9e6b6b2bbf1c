// Helpers that keep evaluators' results uniform.
import { MAX_EVIDENCE, type Evaluation, type EvidenceItem, type PatternRef } from './types.js';
import type { SessionView } from './view/session-view.js';

export function evidenceFor(view: SessionView, spanId: string, note: string): EvidenceItem {
  return { spanId, traceId: view.traceOf(spanId), note };
}

export function clamp01(value: number): number {
  return value < 0 ? 0 : value > 1 ? 1 : value;
}

export function passed(detail: string, signals: Record<string, number>, evidence: EvidenceItem[] = [], score = 1): Evaluation {
  return { score: clamp01(score), outcome: 'passed', evidence: evidence.slice(0, MAX_EVIDENCE), detail, signals };
}

export function failed(
  score: number,
  pattern: PatternRef | undefined,
  detail: string,
  evidence: EvidenceItem[],
  signals: Record<string, number>,
): Evaluation {
  const evaluation: Evaluation = { score: clamp01(score), outcome: 'failed', evidence: evidence.slice(0, MAX_EVIDENCE), detail, signals };
  if (pattern) evaluation.pattern = pattern;
  return evaluation;
}

export function unscored(reason: string, signals: Record<string, number> = {}): Evaluation {
  return { score: 0, outcome: 'unscored', evidence: [], detail: reason, unscoredReason: reason, signals };
}

/** A finding with a severity in (0,1]; the strongest decides the pattern, all give evidence. */
export interface Finding {
  subtype: string;
  severity: number;
  evidence: EvidenceItem;
}

/** Failed when some finding reaches `failAt`; passed (with the findings as evidence, "suspicious") otherwise. */
export function fromFindings(
  pattern: string,
  findings: Finding[],
  failAt: number,
  signals: Record<string, number>,
  cleanDetail: string,
): Evaluation {
  if (findings.length === 0) return passed(cleanDetail, signals);
  const sorted = [...findings].sort((a, b) => b.severity - a.severity);
  const top = sorted[0]!;
  // Independent findings combine like probabilities: two 0.5s are worse than one.
  let keep = 1;
  for (const finding of sorted) keep *= 1 - finding.severity;
  const score = clamp01(keep);
  const evidence = sorted.map((finding) => finding.evidence);
  const detail = `${top.subtype.replace(/_/g, ' ')}: ${top.evidence.note}${sorted.length > 1 ? ` (+${sorted.length - 1} more)` : ''}`;
  const ref = { pattern, subtype: top.subtype };
  if (top.severity >= failAt) return failed(score, ref, detail, evidence, signals);
  return { ...passed(detail, signals, evidence, score), pattern: ref };
}
