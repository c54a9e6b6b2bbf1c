// A single session worth paging about (alert.proto, ALERT_KIND_SESSION): its verdict failed and
// its review priority reached the scorer's alerting threshold. Built from the review item, which
// already carries everything an on-call reader needs.
import { AlertKind, AlertSeverity, AlertState, Outcome, toLong, type IAlert, type IReviewItem } from '@tracebar/proto';

/** At or above this priority the alert is critical; below it (and at or above the threshold) a warning. */
export const CRITICAL_PRIORITY = 0.9;
const SUMMARY_REASONS = 3;

/**
 * The id is the session revision and the objective version, so a redelivered or re-scored
 * revision yields the same alert (downstream keeps one), and a new revision of the session is a
 * new alert.
 */
export function sessionAlertId(review: IReviewItem): string {
  const objective = review.objective ?? {};
  return `session/${objective.id ?? ''}@${objective.version ?? 0}/${review.sessionKey ?? ''}#${review.sessionRevision ?? 0}`;
}

export function sessionAlert(review: IReviewItem, threshold: number): IAlert | undefined {
  const priority = review.priority ?? 0;
  if (review.verdict !== Outcome.OUTCOME_FAILED || priority < threshold) return undefined;
  const objective = review.objective ?? {};
  const reasons = [...(review.reasons ?? [])]
    .sort((a, b) => (b.contribution ?? 0) - (a.contribution ?? 0))
    .slice(0, SUMMARY_REASONS)
    .map((r) => `${r.code}${r.evaluatorId ? `:${r.evaluatorId}` : ''} ${(r.contribution ?? 0).toFixed(2)}`);
  const pattern = review.patterns?.[0];
  const dimensions: Record<string, string> = {};
  if (review.serviceName) dimensions['service.name'] = review.serviceName;
  if (review.serviceVersion) dimensions['service.version'] = review.serviceVersion;
  if (review.agentName) dimensions['gen_ai.agent.name'] = review.agentName;
  return {
    alertId: sessionAlertId(review),
    tenant: review.tenant ?? '',
    kind: AlertKind.ALERT_KIND_SESSION,
    severity: priority >= CRITICAL_PRIORITY ? AlertSeverity.ALERT_SEVERITY_CRITICAL : AlertSeverity.ALERT_SEVERITY_WARNING,
    state: AlertState.ALERT_STATE_FIRING,
    summary:
      `session ${review.sessionKey ?? ''} (revision ${review.sessionRevision ?? 0}) failed ${objective.id ?? ''} v${objective.version ?? 0}` +
      `${pattern?.pattern ? ` (${pattern.pattern}${pattern.subtype ? `/${pattern.subtype}` : ''})` : ''}, priority ${priority.toFixed(2)}` +
      `${reasons.length > 0 ? `: ${reasons.join(', ')}` : ''}`,
    objective,
    ...(pattern ? { pattern } : {}),
    metric: 'priority',
    observedValue: priority,
    thresholdValue: threshold,
    baselineValue: 0,
    sampleSize: toLong(1),
    windowStartTimeUnixNano: review.sessionStartTimeUnixNano ?? undefined,
    windowEndTimeUnixNano: review.sessionEndTimeUnixNano ?? undefined,
    createdTimeUnixNano: review.createdTimeUnixNano ?? undefined,
    source: 'scorer',
    sessions: [{ tenant: review.tenant ?? '', sessionKey: review.sessionKey ?? '', revision: review.sessionRevision ?? 0 }],
    dimensions,
  };
}
