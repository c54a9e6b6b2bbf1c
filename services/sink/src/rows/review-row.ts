// ReviewItem (a protobuf JSON line on the review topic) → one `review_items` row.
import { ReviewStatus, type IReviewItem } from '@tracebar/proto';
import { enumNames, longNanos } from './clickhouse-values.js';
import { evidenceTuples, objectiveColumns, outcomeName, patternArrays, requireFields } from './common-columns.js';
import { floatValue, type Row } from './span-row.js';

const reviewStatusName = enumNames(ReviewStatus, 'REVIEW_STATUS_');

export function reviewItemRow(item: IReviewItem): Row {
  requireFields('a review item', { tenant: item.tenant, session_key: item.sessionKey, 'objective.id': item.objective?.id });
  const [patterns, subtypes] = patternArrays(item.patterns);
  return {
    tenant: item.tenant,
    session_key: item.sessionKey,
    session_revision: item.sessionRevision ?? 0,
    ...objectiveColumns(item.objective),
    priority: floatValue(item.priority ?? 0),
    reasons: (item.reasons ?? []).map((r) => ({
      code: r.code ?? '',
      contribution: floatValue(r.contribution ?? 0),
      detail: r.detail ?? '',
      evaluator_id: r.evaluatorId ?? '',
    })),
    status: reviewStatusName(item.status),
    verdict: outcomeName(item.verdict),
    patterns,
    subtypes,
    evidence: evidenceTuples(item.evidence),
    created_time: longNanos(item.createdTimeUnixNano, 'created_time_unix_nano'),
    session_start_time: longNanos(item.sessionStartTimeUnixNano, 'session_start_time_unix_nano'),
    session_end_time: longNanos(item.sessionEndTimeUnixNano, 'session_end_time_unix_nano'),
    service_name: item.serviceName ?? '',
    service_version: item.serviceVersion ?? '',
    agent_name: item.agentName ?? '',
    first_user_input: item.firstUserInput ?? '',
    final_output: item.finalOutput ?? '',
    span_count: item.spanCount ?? 0,
    turn_count: item.turnCount ?? 0,
  };
}
