// The whole embedded pipeline in one process, as `tracebar up` runs it: an agent instrumented
// with the OpenTelemetry SDK exports sessions over OTLP; spans, sessions, scores and review items
// become queryable through the admin SQL API, broken sessions ranked above clean ones.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminSql, until, type Row } from './support/admin-sql.js';
import { startEmbedded, type EmbeddedInstance } from './support/embedded-instance.js';
import { agentRuns, SimulatedAgent } from './support/simulated-agent.js';


describe('embedded pipeline: OTLP in, scored sessions and a ranked review queue out', () => {
  let instance: EmbeddedInstance;
  let adminUrl = '';
  let otlpUrl = '';

  beforeAll(async () => {
    // Every failed session at priority 0.2 or more is alerted on (0.8 by default).
    instance = await startEmbedded('embedded', { TRACEBAR_SCORER__ALERT_PRIORITY: '0.2' });
    ({ adminUrl, otlpUrl } = instance);
  }, 60_000);

  afterAll(async () => {
    expect(await instance.stop()).toBe(0);
  }, 60_000);

  const sql = (query: string) => adminSql(adminUrl, query);
  const rowsUntil = (what: string, query: string, done: (rows: Row[]) => boolean) => until(what, () => sql(query), done);

  it('stores every span, one session row per revision, scores with versions, and ranks broken sessions first', async () => {
    const agent = new SimulatedAgent(otlpUrl);
    const runs = [agentRuns.clean('e2e-clean-1'), agentRuns.ignoredError('e2e-ignored'), agentRuns.silentFailure('e2e-silent'), agentRuns.retryStorm('e2e-storm'), agentRuns.clean('e2e-clean-2')];
    for (const run of runs) agent.run(run);
    await agent.flush();
    await agent.shutdown();
    const expectedSpans = runs.reduce((n, run) => n + 1 + run.steps.reduce((k, step) => k + (step.kind === 'tool' ? 2 : step.kind === 'assistant' ? 1 : 0), 0), 0);

    const spans = await rowsUntil('every span', "SELECT session_key, count() AS n FROM spans WHERE session_key LIKE 'e2e-%' GROUP BY session_key ORDER BY session_key", (rows) => rows.reduce((n, r) => n + Number(r.n), 0) >= expectedSpans);
    expect(spans.reduce((n, r) => n + Number(r.n), 0)).toBe(expectedSpans);

    const sessions = await rowsUntil('five sessions', "SELECT session_key, revision, tool_call_count, tool_error_count FROM sessions FINAL WHERE session_key LIKE 'e2e-%' ORDER BY session_key", (rows) => rows.length >= 5);
    expect(sessions.map((r) => [r.session_key, r.revision])).toEqual([
      ['e2e-clean-1', 1],
      ['e2e-clean-2', 1],
      ['e2e-ignored', 1],
      ['e2e-silent', 1],
      ['e2e-storm', 1],
    ]);

    const verdicts = await rowsUntil('five verdicts', "SELECT session_key, objective_id, objective_version, outcome FROM verdicts FINAL WHERE session_key LIKE 'e2e-%' ORDER BY session_key", (rows) => rows.length >= 5);
    const outcome = new Map(verdicts.map((r) => [r.session_key, r.outcome]));
    expect(verdicts.every((r) => r.objective_id === 'default' && Number(r.objective_version) === 1)).toBe(true);
    expect(outcome.get('e2e-clean-1')).toBe('passed');
    expect(outcome.get('e2e-clean-2')).toBe('passed');
    expect(outcome.get('e2e-ignored')).toBe('failed');
    expect(outcome.get('e2e-silent')).toBe('failed');
    expect(outcome.get('e2e-storm')).toBe('failed');

    const scores = await sql("SELECT evaluator_type, evaluator_version, count() AS n FROM scores FINAL WHERE session_key LIKE 'e2e-%' GROUP BY evaluator_type, evaluator_version ORDER BY evaluator_type");
    expect(scores.map((r) => r.evaluator_type)).toEqual(expect.arrayContaining(['context_saturation', 'goal_misalignment', 'reasoning_drift', 'session_shape', 'tool_failures']));
    expect(scores.every((r) => Number(r.n) === 5 && Number(r.evaluator_version) >= 1)).toBe(true);
    const patterns = await sql("SELECT session_key, pattern, subtype FROM scores FINAL WHERE session_key LIKE 'e2e-%' AND evaluator_type = 'tool_failures' ORDER BY session_key");
    const subtype = new Map(patterns.map((r) => [r.session_key, `${String(r.pattern)}/${String(r.subtype)}`]));
    expect(subtype.get('e2e-ignored')).toBe('tool_failure/ignored_error');
    expect(subtype.get('e2e-silent')).toBe('tool_failure/silent_failure');
    expect(subtype.get('e2e-storm')).toBe('tool_failure/retry_storm');

    const queue = await rowsUntil('review items of the broken sessions', "SELECT session_key, priority, verdict, patterns FROM review_queue(tenant = 'default') WHERE session_key LIKE 'e2e-%'", (rows) => rows.length >= 3);
    const ranked = queue.map((r) => r.session_key);
    for (const broken of ['e2e-ignored', 'e2e-silent', 'e2e-storm']) expect(ranked).toContain(broken);
    const priority = new Map(queue.map((r) => [r.session_key, Number(r.priority)]));
    for (const broken of ['e2e-ignored', 'e2e-silent', 'e2e-storm']) {
      for (const clean of ['e2e-clean-1', 'e2e-clean-2']) expect(priority.get(broken) ?? 0).toBeGreaterThan(priority.get(clean) ?? 0);
    }

    // Session alerts, in the alerts table through the sink: exactly the failed sessions at or above the threshold.
    const alerting = queue.filter((r) => r.verdict === 'failed' && Number(r.priority) >= 0.2).map((r) => String(r.session_key)).sort();
    expect(alerting.length).toBeGreaterThan(0);
    const alerts = await rowsUntil(
      'session alerts',
      "SELECT sessions[1].1 AS session_key, kind, state, source, observed_value, threshold_value, objective_id, count() OVER (PARTITION BY alert_id) AS copies FROM alerts FINAL WHERE tenant = 'default' AND sessions[1].1 LIKE 'e2e-%'",
      (rows) => rows.length >= alerting.length,
    );
    expect(alerts.map((r) => String(r.session_key)).sort()).toEqual(alerting);
    for (const alert of alerts) {
      expect(alert).toMatchObject({ kind: 'session', state: 'firing', source: 'scorer', objective_id: 'default', copies: expect.anything() });
      expect(Number(alert.copies)).toBe(1);
      expect(Number(alert.threshold_value)).toBe(0.2);
      expect(Number(alert.observed_value)).toBeCloseTo(priority.get(alert.session_key) ?? -1, 6);
    }
  }, 120_000);
});
