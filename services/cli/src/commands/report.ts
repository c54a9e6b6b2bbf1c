// `tracebar report`: per objective version, what compounding per-step tool success predicts for
// whole sessions against the pass rate observed, and the SLA target. The SQL is also in
// docs/queries.md (section 8, "What `tracebar report` runs"); a test keeps the two equal.
import { durationMs, type TracebarConfig } from '@tracebar/config';
import type { SqlResult } from '@tracebar/runtime';
import { adminBaseUrl, sqlViaAdmin } from '../admin-client.js';
import { UsageError } from '../cli-error.js';
import { formatRows, type OutputFormat } from '../format-rows.js';
import { queryStoreDirectly } from '../store.js';

/**
 * Sessions: the newest scored revision of each (verdicts_latest), joined to that revision's
 * summary. step_success = 1 - tool errors / tool calls over those sessions; predicted_end_to_end
 * = step_success ^ (mean tool calls per session), i.e. compounding applied with the mean number
 * of steps (not averaged per session, which by Jensen's inequality would come out higher when
 * sessions vary in length); observed_pass_rate counts unscored verdicts as not passed.
 */
export const REPORT_SQL = `SELECT
    v.objective_id AS objective_id,
    v.objective_version AS objective_version,
    count() AS sessions_scored,
    sum(s.tool_call_count) AS tool_calls,
    sum(s.tool_error_count) AS tool_errors,
    round(1 - tool_errors / nullIf(tool_calls, 0), 4) AS step_success,
    round(avg(s.tool_call_count), 2) AS steps_per_session,
    round(pow(1 - tool_errors / nullIf(tool_calls, 0), avg(s.tool_call_count)), 4) AS predicted_end_to_end,
    round(countIf(v.outcome = 'passed') / sessions_scored, 4) AS observed_pass_rate,
    if(countIf(o.objective_id != '') = 0, NULL, max(o.sla_target)) AS sla_target
FROM verdicts_latest(tenant = {tenant:String}) AS v
INNER JOIN
(
    SELECT session_key, revision, tool_call_count, tool_error_count
    FROM sessions FINAL
    WHERE tenant = {tenant:String}
) AS s ON s.session_key = v.session_key AND s.revision = v.session_revision
LEFT JOIN
(
    SELECT objective_id, version, sla_target
    FROM objectives FINAL
) AS o ON o.objective_id = v.objective_id AND o.version = v.objective_version
WHERE v.session_start_time >= {from:DateTime64(9)}
GROUP BY objective_id, objective_version
ORDER BY objective_id, objective_version`;

export interface ReportCommandOptions {
  config: TracebarConfig;
  /** How far back sessions count, by their start time: `7d`, `24h`, `90m`, or milliseconds. */
  since: string;
  tenant: string;
  format: OutputFormat;
  write: (text: string) => void;
  /** "Now" for the window (tests pin it). */
  now?: () => number;
}

/** ClickHouse DateTime64 text in UTC: `2026-11-25 19:40:00.000`. */
function clickhouseTime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}

export function reportParams(options: Pick<ReportCommandOptions, 'since' | 'tenant' | 'now'>): Record<string, string> {
  const parsed = durationMs.safeParse(options.since);
  if (!parsed.success || parsed.data <= 0) throw new UsageError(`--since expects a duration such as 7d, 24h or 90m, got ${options.since}`);
  return { tenant: options.tenant, from: clickhouseTime((options.now ?? Date.now)() - parsed.data) };
}

/** Through the running instance's admin API when one answers, else the store itself (as `tracebar sql`). */
export async function runReportCommand(options: ReportCommandOptions): Promise<SqlResult> {
  const params = reportParams(options);
  const viaAdmin = await sqlViaAdmin(adminBaseUrl(options.config), REPORT_SQL, params);
  const result = viaAdmin ?? (await queryStoreDirectly(options.config, REPORT_SQL, params));
  options.write(formatRows(result, options.format));
  return result;
}
