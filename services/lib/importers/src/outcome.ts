// Ground truth of a record (tau-bench's reward and info, Who&When's mistake labels): never
// telemetry. It is returned beside the spans, keyed by session, and only ever becomes a Label
// (`tracebar import --outcomes-as-labels`), which evaluators do not read.

/** A flattened outcome field value: JSON numbers stay numbers (doubles), JSON strings strings. */
export type OutcomeValue = string | number | boolean;

/** `unknown` when the record carries no outcome (no `reward`, no `is_correct`). */
export type OutcomeVerdict = 'passed' | 'failed' | 'unknown';

/** A span the ground truth points at (Who&When's labelled mistake step), with a short note. */
export interface OutcomeEvidence {
  traceId: string;
  spanId: string;
  note: string;
}

export interface SessionOutcome {
  sessionKey: string;
  outcome: OutcomeVerdict;
  /** Spans the outcome blames; empty when the data set names none (tau-bench). */
  evidence: OutcomeEvidence[];
  /** The record's outcome fields, flattened: `info.reward_info.info.r_actions`, `info.task.actions.0.name`. */
  fields: Record<string, OutcomeValue>;
}

/**
 * Flattens a JSON value the way ingest flattens attributes: object members as `parent.child`,
 * array elements as `parent.<index>`; null and empty containers leave nothing.
 */
export function flattenFields(value: unknown, prefix = '', into: Record<string, OutcomeValue> = {}): Record<string, OutcomeValue> {
  if (value === null || value === undefined) return into;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    if (prefix !== '') into[prefix] = value;
    return into;
  }
  if (Array.isArray(value)) {
    value.forEach((item, index) => flattenFields(item, prefix === '' ? String(index) : `${prefix}.${index}`, into));
    return into;
  }
  if (typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) flattenFields(item, prefix === '' ? key : `${prefix}.${key}`, into);
  }
  return into;
}
