// Alert (a protobuf JSON line on the alerts topic) → one `alerts` row.
import { AlertKind, AlertSeverity, AlertState, type IAlert } from '@tracebar/proto';
import { enumNames, longNanos, longText } from './clickhouse-values.js';
import { objectiveColumns, requireFields } from './common-columns.js';
import { floatValue, type Row } from './span-row.js';

const kindName = enumNames(AlertKind, 'ALERT_KIND_');
const severityName = enumNames(AlertSeverity, 'ALERT_SEVERITY_');
const stateName = enumNames(AlertState, 'ALERT_STATE_');

export function alertRow(alert: IAlert): Row {
  requireFields('an alert', { alert_id: alert.alertId, tenant: alert.tenant });
  return {
    tenant: alert.tenant,
    alert_id: alert.alertId,
    kind: kindName(alert.kind),
    severity: severityName(alert.severity),
    state: stateName(alert.state),
    summary: alert.summary ?? '',
    ...objectiveColumns(alert.objective),
    pattern: alert.pattern?.pattern ?? '',
    subtype: alert.pattern?.subtype ?? '',
    metric: alert.metric ?? '',
    observed_value: floatValue(alert.observedValue ?? 0),
    threshold_value: floatValue(alert.thresholdValue ?? 0),
    baseline_value: floatValue(alert.baselineValue ?? 0),
    sample_size: longText(alert.sampleSize),
    window_start_time: longNanos(alert.windowStartTimeUnixNano, 'window_start_time_unix_nano'),
    window_end_time: longNanos(alert.windowEndTimeUnixNano, 'window_end_time_unix_nano'),
    created_time: longNanos(alert.createdTimeUnixNano, 'created_time_unix_nano'),
    source: alert.source ?? '',
    sessions: (alert.sessions ?? []).map((s) => ({ session_key: s.sessionKey ?? '', revision: s.revision ?? 0 })),
    dimensions: { ...alert.dimensions },
  };
}
