// One readable line per review item or alert (what an SRE scans), from the topic's protobuf JSON.
import type { TailTopic } from '@tracebar/runtime';

export type TailFormat = 'text' | 'jsonl';

interface ReviewJson {
  tenant?: string;
  sessionKey?: string;
  sessionRevision?: number;
  objective?: { id?: string; version?: number };
  priority?: number;
  verdict?: string;
  patterns?: { pattern?: string; subtype?: string }[];
  reasons?: { code?: string; contribution?: number; detail?: string }[];
  evidence?: { spanId?: string; note?: string }[];
  createdTimeUnixNano?: string;
}

interface AlertJson {
  tenant?: string;
  kind?: string;
  severity?: string;
  state?: string;
  summary?: string;
  objective?: { id?: string; version?: number };
  pattern?: { pattern?: string; subtype?: string };
  metric?: string;
  observedValue?: number;
  thresholdValue?: number;
  createdTimeUnixNano?: string;
}

/** Enum names as printed by protobuf JSON (`OUTCOME_FAILED`) without their prefix: `failed`. */
function enumName(value: string | undefined, prefix: string): string {
  if (!value) return '-';
  return (value.startsWith(prefix) ? value.slice(prefix.length) : value).toLowerCase();
}

/** Keeps one record on one line whatever its strings hold. */
function oneLine(text: string, max = 160): string {
  const flat = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function time(unixNano: string | undefined): string {
  if (!unixNano || !/^\d+$/.test(unixNano)) return '-';
  return new Date(Number(BigInt(unixNano) / 1_000_000n)).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function pattern(p: { pattern?: string; subtype?: string }): string {
  return p.subtype ? `${p.pattern ?? ''}/${p.subtype}` : (p.pattern ?? '');
}

/** `time  priority  verdict  tenant/session#rev  objective@version  patterns  reason: detail  evidence: note` */
export function formatReviewLine(item: ReviewJson): string {
  const patterns = (item.patterns ?? []).map(pattern).filter((p) => p !== '');
  const reason = item.reasons?.[0];
  const note = item.evidence?.find((e) => e.note)?.note;
  return [
    time(item.createdTimeUnixNano),
    (item.priority ?? 0).toFixed(2),
    enumName(item.verdict, 'OUTCOME_').padEnd(8),
    `${oneLine(item.tenant ?? '')}/${oneLine(item.sessionKey ?? '')}#${item.sessionRevision ?? 0}`,
    `${item.objective?.id ?? '-'}@${item.objective?.version ?? 0}`,
    patterns.length > 0 ? patterns.join(',') : '-',
    reason ? `${reason.code ?? ''} ${(reason.contribution ?? 0).toFixed(2)}${reason.detail ? `: ${oneLine(reason.detail, 80)}` : ''}` : '-',
    note ? `evidence: ${oneLine(note, 100)}` : '',
  ]
    .join('  ')
    .trimEnd();
}

/** `time  severity  state  kind  tenant  objective@version  pattern  summary  metric=observed (threshold)` */
export function formatAlertLine(alert: AlertJson): string {
  return [
    time(alert.createdTimeUnixNano),
    enumName(alert.severity, 'ALERT_SEVERITY_').padEnd(8),
    enumName(alert.state, 'ALERT_STATE_').padEnd(8),
    enumName(alert.kind, 'ALERT_KIND_'),
    oneLine(alert.tenant ?? '-'),
    alert.objective?.id ? `${alert.objective.id}@${alert.objective.version ?? 0}` : '-',
    alert.pattern ? pattern(alert.pattern) || '-' : '-',
    oneLine(alert.summary ?? ''),
    alert.metric ? `${alert.metric}=${alert.observedValue ?? 0} (threshold ${alert.thresholdValue ?? 0})` : '',
  ]
    .join('  ')
    .trimEnd();
}

/** The line to print for one record value; a value that is not a JSON object is shown as it came. */
export function formatTailLine(topic: TailTopic, value: string, format: TailFormat): string {
  if (format === 'jsonl') return value;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return `(not JSON) ${oneLine(value)}`;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return `(not an object) ${oneLine(value)}`;
  return topic === 'review' ? formatReviewLine(parsed as ReviewJson) : formatAlertLine(parsed as AlertJson);
}
