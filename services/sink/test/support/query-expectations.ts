// What each documented query must return on the scenario (scenario.ts). Used on chDB and, when
// TRACEBAR_CLICKHOUSE_URL is set, on a ClickHouse server.
import { queryReadOnly, type ClickHouse } from '@tracebar/clickhouse';
import { expect } from 'vitest';
import { documentedQueries } from './queries-doc.js';
import { dayA, dayAText, dayB, dayBText } from './scenario.js';

const time = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');

export const queryParams: Record<string, unknown> = {
  tenant: 'acme',
  from: time(dayA - 3_600_000),
  to: time(dayB + 2 * 86_400_000),
  objective: 'airline-booking',
  version: 2,
  pattern: 'tool_failure',
  session: 'a3',
  limit: 10,
  input_usd_per_mtok: 2.5,
  output_usd_per_mtok: 10,
};

type Rows = Record<string, unknown>[];

export const expectations: Record<number, (rows: Rows) => void> = {
  1: (rows) =>
    expect(rows).toEqual([
      { objective_id: 'airline-booking', objective_version: 1, day: dayAText, sessions: '4', passed: '3', failed: '1', unscored: '0', pass_rate: 0.75 },
      { objective_id: 'airline-booking', objective_version: 2, day: dayBText, sessions: '4', passed: '2', failed: '2', unscored: '0', pass_rate: 0.5 },
    ]),
  2: (rows) =>
    expect(rows.map((r) => [r['day'], r['pattern'], r['failing_sessions'], r['sessions'], r['failure_rate']])).toEqual([
      [dayAText, 'tool_failure', '1', '4', 0.25],
      [dayAText, 'context_saturation', '0', '4', 0],
      [dayAText, 'goal_misalignment', '0', '4', 0],
      [dayAText, 'reasoning_drift', '0', '4', 0],
      [dayBText, 'context_saturation', '1', '4', 0.25],
      [dayBText, 'reasoning_drift', '1', '4', 0.25],
      [dayBText, 'tool_failure', '1', '4', 0.25],
      [dayBText, 'goal_misalignment', '0', '4', 0],
    ]),
  3: (rows) =>
    expect(rows.map((r) => [r['pattern'], r['subtype'], r['failing_sessions'], r['example_sessions']])).toEqual([
      ['context_saturation', 'dropped_constraint', '1', ['b4']],
      ['reasoning_drift', '', '1', ['b2']],
      ['tool_failure', 'explicit_error', '1', ['b2']],
      ['tool_failure', 'silent_failure', '1', ['a3']],
    ]),
  4: (rows) =>
    expect(rows).toEqual([
      { tool: 'book_flight', calls: '8', errors: '1', empty_results: '0', failure_rate: 0.125 },
      { tool: 'search_flights', calls: '8', errors: '0', empty_results: '1', failure_rate: 0.125 },
    ]),
  5: (rows) =>
    expect(rows.map((r) => [r['service_name'], r['release'], r['sessions'], r['avg_turns'], r['avg_duration_s'], r['tool_errors']])).toEqual([
      ['booking-agent', '1.0.0', '4', 2, 60, '1'],
      ['booking-agent', '1.1.0', '4', 2, 60, '1'],
    ]),
  6: (rows) =>
    expect(rows).toEqual([
      { release: '1.0.0', objective_id: 'airline-booking', objective_version: 1, sessions: '4', pass_rate: 0.75 },
      { release: '1.1.0', objective_id: 'airline-booking', objective_version: 2, sessions: '4', pass_rate: 0.5 },
    ]),
  7: (rows) => {
    expect(rows).toHaveLength(8);
    expect(rows[0]).toEqual({ session_key: 'a1', llm_calls: '3', calls_without_usage: '0', input_tokens: '3000', output_tokens: '300', cost_usd: 0.0105 });
    expect(rows[7]).toEqual({ session_key: 'b4', llm_calls: '3', calls_without_usage: '1', input_tokens: '2000', output_tokens: '200', cost_usd: 0.007 });
  },
  8: (rows) =>
    expect(rows).toEqual([
      { objective_id: 'airline-booking', objective_version: 1, sessions: '4', tool_calls: '8', step_success: 0.875, steps_per_session: 2, predicted_end_to_end: 0.7656, observed_pass_rate: 0.75 },
      { objective_id: 'airline-booking', objective_version: 2, sessions: '4', tool_calls: '8', step_success: 0.875, steps_per_session: 2, predicted_end_to_end: 0.7656, observed_pass_rate: 0.5 },
    ]),
  9: (rows) =>
    expect(rows.map((r) => [r['session_key'], r['priority'], r['reasons'], r['patterns']])).toEqual([
      ['b2', 0.95, ['failed_required_evaluator'], ['tool_failure/silent_failure']],
      ['a3', 0.8, ['failed_required_evaluator'], ['tool_failure/silent_failure']],
    ]),
  10: (rows) =>
    expect(rows.map((r) => [r['evaluator_id'], r['passed'], r['failed'], r['unscored'], r['unscored_reasons']])).toEqual([
      ['judge', '1', '2', '1', ['judge unreachable']],
      ['tools', '3', '1', '0', []],
    ]),
  11: (rows) =>
    expect(rows.map((r) => [r['model'], r['day'], r['calls'], r['p50_ms'], r['p95_ms'], r['errors']])).toEqual([
      ['gpt-4o', dayBText, '1', 500, 500, '0'],
      ['gpt-4o-mini', dayAText, '12', 300, 500, '0'],
      ['gpt-4o-mini', dayBText, '11', 300, 500, '0'],
    ]),
  12: (rows) =>
    expect(rows.map((r) => [r['session_key'], r['evaluator_id'], r['note'], r['span_name'], r['tool'], r['status_code']])).toEqual([
      ['a3', 'tools', 'search_flights returned []', 'execute_tool search_flights', 'search_flights', 'ok'],
      ['b2', 'tools', 'book_flight failed', 'execute_tool book_flight', 'book_flight', 'error'],
    ]),
  13: (rows) =>
    expect(rows).toEqual([
      { labeled_sessions: '5', both_failed: '2', judged_only: '0', labeled_only: '1', both_passed: '2', agreement: 0.8, chance_agreement: 0.48, cohens_kappa: 0.6154 },
    ]),
  14: (rows) =>
    expect(rows.map((r) => [r['tool_or_model'], r['status_code'], r['input_tokens']])).toEqual([
      ['gpt-4o-mini', 'ok', '1000'],
      ['search_flights', 'ok', null],
      ['gpt-4o-mini', 'ok', '1000'],
      ['book_flight', 'ok', null],
      ['gpt-4o-mini', 'ok', '1000'],
    ]),
  15: (rows) => expect(rows.map((r) => [r['label_id'], r['session_key'], r['pattern']])).toEqual([['l3', 'b2', 'tool_failure'], ['l5', 'b3', 'goal_misalignment']]),
};

/** Runs every documented query as `tracebar sql` would (read-only) and checks its result. */
export async function expectDocumentedQueries(ch: ClickHouse): Promise<number> {
  const queries = documentedQueries();
  expect(queries.map((q) => q.number)).toEqual(Object.keys(expectations).map(Number));
  for (const query of queries) {
    for (const param of query.params) expect(queryParams, `query ${query.number} parameter ${param}`).toHaveProperty(param);
    const params = Object.fromEntries(query.params.map((p) => [p, queryParams[p]]));
    const result = await queryReadOnly(ch, query.sql, { queryParams: params }).catch((error: unknown) => {
      throw new Error(`query ${query.number} (${query.title}) failed: ${(error as Error).message}`);
    });
    const check = expectations[query.number] as (rows: Rows) => void;
    try {
      check(result.rows);
    } catch (error) {
      (error as Error).message = `query ${query.number} (${query.title}): ${(error as Error).message}`;
      throw error;
    }
  }
  return queries.length;
}
