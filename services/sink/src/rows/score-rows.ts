// ScoreRecord → one `verdicts` row and one `scores` row per evaluator: written from one
// message, so the two tables never disagree.
import type { IScoreRecord } from '@tracebar/proto';
import { longNanos, longText } from './clickhouse-values.js';
import { evidenceTuples, objectiveColumns, outcomeName, patternArrays, requireFields } from './common-columns.js';
import { floatValue, type Row } from './span-row.js';

export function verdictRow(record: IScoreRecord): Row {
  requireFields('a score record', { tenant: record.tenant, session_key: record.sessionKey, 'objective.id': record.objective?.id });
  const v = record.verdict ?? {};
  const [patterns, subtypes] = patternArrays(v.failedPatterns);
  return {
    ...sessionColumns(record),
    outcome: outcomeName(v.outcome),
    score: floatValue(v.score ?? 0),
    failed_patterns: patterns,
    failed_subtypes: subtypes,
    failed_required_evaluators: v.failedRequiredEvaluators ?? [],
    unscored_required_evaluators: v.unscoredRequiredEvaluators ?? [],
    evaluator_count: record.scores?.length ?? 0,
    session_end_time: longNanos(record.sessionEndTimeUnixNano, 'session_end_time_unix_nano'),
  };
}

export function scoreRows(record: IScoreRecord): Row[] {
  const session = sessionColumns(record);
  return (record.scores ?? []).map((s) => ({
    ...session,
    evaluator_id: s.evaluatorId ?? '',
    evaluator_type: s.evaluatorType ?? '',
    evaluator_version: s.evaluatorVersion ?? 0,
    required: s.required ?? false,
    weight: floatValue(s.weight ?? 0),
    score: floatValue(s.score ?? 0),
    outcome: outcomeName(s.outcome),
    pattern: s.pattern?.pattern ?? '',
    subtype: s.pattern?.subtype ?? '',
    evidence: evidenceTuples(s.evidence),
    detail: s.detail ?? '',
    unscored_reason: s.unscoredReason ?? '',
    duration_ns: longText(s.durationNano),
  }));
}

function sessionColumns(record: IScoreRecord): Row {
  return {
    tenant: record.tenant,
    ...objectiveColumns(record.objective),
    session_key: record.sessionKey,
    session_revision: record.sessionRevision ?? 0,
    taxonomy_version: record.taxonomyVersion ?? '',
    scored_time: longNanos(record.scoredTimeUnixNano, 'scored_time_unix_nano'),
    session_start_time: longNanos(record.sessionStartTimeUnixNano, 'session_start_time_unix_nano'),
    service_name: record.serviceName ?? '',
    service_version: record.serviceVersion ?? '',
    agent_name: record.agentName ?? '',
  };
}

