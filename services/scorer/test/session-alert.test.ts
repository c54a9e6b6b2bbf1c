// The session alert's rule and shape, on review items as the scorer builds them.
import { AlertSeverity, Outcome, toLong, type IReviewItem } from '@tracebar/proto';
import { describe, expect, it } from 'vitest';
import { CRITICAL_PRIORITY, sessionAlert, sessionAlertId } from '../src/session-alert.js';

const review = (over: Partial<IReviewItem>): IReviewItem => ({
  tenant: 'acme',
  sessionKey: 'sess-1',
  sessionRevision: 2,
  objective: { id: 'booking', version: 3, contentHash: 'ab' },
  priority: 0.85,
  verdict: Outcome.OUTCOME_FAILED,
  reasons: [
    { code: 'length', contribution: 0.1, detail: '', evaluatorId: '' },
    { code: 'required_failed', contribution: 0.6, detail: '', evaluatorId: 'tool_failures' },
    { code: 'tool_error_rate', contribution: 0.15, detail: '', evaluatorId: '' },
  ],
  patterns: [{ pattern: 'tool_failure', subtype: 'ignored_error' }],
  sessionStartTimeUnixNano: toLong(1_000n),
  sessionEndTimeUnixNano: toLong(2_000n),
  createdTimeUnixNano: toLong(3_000n),
  serviceName: 'booking-agent',
  serviceVersion: '1.4.2',
  ...over,
});

describe('sessionAlert', () => {
  it('fires for a failed session at or above the threshold, never below it or for one that did not fail', () => {
    expect(sessionAlert(review({ priority: 0.8 }), 0.8)).toBeDefined();
    expect(sessionAlert(review({ priority: 0.79 }), 0.8)).toBeUndefined();
    expect(sessionAlert(review({ verdict: Outcome.OUTCOME_PASSED, priority: 0.99 }), 0.8)).toBeUndefined();
    expect(sessionAlert(review({ verdict: Outcome.OUTCOME_UNSCORED, priority: 0.99 }), 0.8)).toBeUndefined();
  });

  it('is critical from CRITICAL_PRIORITY on, and names the session, the objective, the pattern and the top reasons', () => {
    expect(sessionAlert(review({ priority: CRITICAL_PRIORITY }), 0.5)?.severity).toBe(AlertSeverity.ALERT_SEVERITY_CRITICAL);
    const alert = sessionAlert(review({}), 0.8);
    expect(alert?.severity).toBe(AlertSeverity.ALERT_SEVERITY_WARNING);
    expect(alert?.alertId).toBe('session/booking@3/sess-1#2');
    expect(alert?.alertId).toBe(sessionAlertId(review({ priority: 0.1 })));
    expect(alert?.summary).toBe(
      'session sess-1 (revision 2) failed booking v3 (tool_failure/ignored_error), priority 0.85: required_failed:tool_failures 0.60, tool_error_rate 0.15, length 0.10',
    );
    expect(alert?.sessions).toEqual([{ tenant: 'acme', sessionKey: 'sess-1', revision: 2 }]);
    expect(alert?.dimensions).toEqual({ 'service.name': 'booking-agent', 'service.version': '1.4.2' });
    expect(Number(alert?.windowStartTimeUnixNano)).toBe(1_000);
    expect(Number(alert?.createdTimeUnixNano)).toBe(3_000);
  });
});
