// Label → one `labels` row.
import { LabelSource, type ILabel } from '@tracebar/proto';
import { enumNames, longNanos } from './clickhouse-values.js';
import { evidenceTuples, objectiveColumns, outcomeName, requireFields } from './common-columns.js';
import { typedAttributeColumns, type Row } from './span-row.js';

const labelSourceName = enumNames(LabelSource, 'LABEL_SOURCE_');

export function labelRow(label: ILabel): Row {
  requireFields('a label', { label_id: label.labelId, tenant: label.tenant, session_key: label.sessionKey });
  const outcome = typedAttributeColumns('outcome', label.outcomeFields);
  delete outcome['outcome_bytes'];
  return {
    tenant: label.tenant,
    session_key: label.sessionKey,
    session_revision: label.sessionRevision ?? 0,
    label_id: label.labelId,
    outcome: outcomeName(label.outcome),
    pattern: label.pattern?.pattern ?? '',
    subtype: label.pattern?.subtype ?? '',
    taxonomy_version: label.taxonomyVersion ?? '',
    evidence: evidenceTuples(label.evidence),
    note: label.note ?? '',
    author: label.author ?? '',
    source: labelSourceName(label.source),
    created_time: longNanos(label.createdTimeUnixNano, 'created_time_unix_nano'),
    ...objectiveColumns(label.objective),
    supersedes_label_id: label.supersedesLabelId ?? '',
    ...outcome,
  };
}
