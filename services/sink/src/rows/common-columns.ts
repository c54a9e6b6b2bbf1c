// Columns several tables share, built the same way everywhere.
import { Outcome, type IEvidence, type IObjectiveRef, type IPattern } from '@tracebar/proto';
import { enumNames, RecordRejectedError } from './clickhouse-values.js';
import type { Row } from './span-row.js';

export const outcomeName = enumNames(Outcome, 'OUTCOME_');

export function objectiveColumns(objective: IObjectiveRef | null | undefined): Row {
  return {
    objective_id: objective?.id ?? '',
    objective_version: objective?.version ?? 0,
    objective_content_hash: objective?.contentHash ?? '',
  };
}

export function evidenceTuples(evidence: readonly IEvidence[] | null | undefined): Row[] {
  return (evidence ?? []).map((e) => ({ span_id: e.spanId ?? '', trace_id: e.traceId ?? '', note: e.note ?? '' }));
}

/** Patterns as two aligned arrays (pattern names, subtypes), as the tables store them. */
export function patternArrays(patterns: readonly IPattern[] | null | undefined): [string[], string[]] {
  const list = patterns ?? [];
  return [list.map((p) => p.pattern ?? ''), list.map((p) => p.subtype ?? '')];
}

/** Refuses a record whose identity fields are empty: it could never be deduplicated or found. */
export function requireFields(message: string, fields: Record<string, unknown>): void {
  const missing = Object.entries(fields)
    .filter(([, v]) => v === undefined || v === null || v === '' || v === 0)
    .map(([k]) => k);
  if (missing.length > 0) throw new RecordRejectedError('SCHEMA_INVALID', `${message} needs ${missing.join(', ')}`);
}
