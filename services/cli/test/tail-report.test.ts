// `tracebar tail` and `tracebar report` against a real embedded `tracebar up` (runUp in-process):
// an agent instrumented with the OpenTelemetry SDK exports clean and broken sessions over OTLP;
// tail prints the broken sessions' review items as they are published; report's figures are the
// ones the tables give for those sessions.
import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import path from 'node:path';
import { loadConfig, type TracebarConfig } from '@tracebar/config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPORT_SQL, runReportCommand } from '../src/commands/report.js';
import { formatReviewLine } from '../src/commands/tail-format.js';
import { runTailCommand } from '../src/commands/tail.js';
import { adminSql, until, type Row } from './support/admin-sql.js';
import { startEmbedded, type EmbeddedInstance } from './support/embedded-instance.js';
import { agentRuns, SimulatedAgent } from './support/simulated-agent.js';


const broken = ['tr-ignored', 'tr-silent', 'tr-storm'];

describe('tracebar tail and report on a running embedded instance', () => {
  let instance: EmbeddedInstance;
  let adminUrl = '';
  let otlpUrl = '';
  let client: TracebarConfig;

  beforeAll(async () => {
    instance = await startEmbedded('tail');
    ({ adminUrl, otlpUrl } = instance);
    // What a second process (the CLI) would load: the same config, with the admin port the instance bound.
    client = loadConfig({ env: { TRACEBAR_DATA_DIR: instance.config.dataDir, TRACEBAR_ADMIN__PORT: new URL(adminUrl).port } }).config;
  }, 60_000);

  afterAll(async () => {
    expect(await instance.stop()).toBe(0);
  }, 60_000);

  const sql = (query: string) => adminSql(adminUrl, query);

  function startTail(format: 'text' | 'jsonl') {
    const lines: string[] = [];
    const end = new AbortController();
    let ready: () => void = () => undefined;
    const live = new Promise<void>((resolve) => {
      ready = resolve;
    });
    // Settles with the command's error (undefined: it ended on Ctrl+C), never unhandled.
    const done = runTailCommand({ config: client, topic: 'review', fromBeginning: false, format, stop: end.signal, onReady: ready, write: (text) => lines.push(...text.split('\n').filter((line) => line !== '')) }).then(
      () => undefined,
      (error: unknown) => error,
    );
    return { lines, live, done, end };
  }

  it('tail prints the broken sessions review items as they come; report matches the tables', async () => {
    const text = startTail('text');
    const jsonl = startTail('jsonl');
    await Promise.all([text.live, jsonl.live]);

    const agent = new SimulatedAgent(otlpUrl);
    for (const run of [agentRuns.clean('tr-clean-1'), agentRuns.ignoredError('tr-ignored'), agentRuns.silentFailure('tr-silent'), agentRuns.retryStorm('tr-storm'), agentRuns.clean('tr-clean-2')]) agent.run(run);
    await agent.flush();
    await agent.shutdown();

    // jsonl: each line is the topic's record as is (protobuf JSON of a ReviewItem).
    const items = await until('review items of the broken sessions', () => jsonl.lines.map((line) => JSON.parse(line) as { sessionKey: string; verdict: string; priority: number; patterns?: { pattern: string; subtype?: string }[]; reasons: { code: string }[] }), (parsed) => broken.every((key) => parsed.some((item) => item.sessionKey === key)));
    for (const key of broken) {
      const item = items.find((i) => i.sessionKey === key);
      expect(item?.verdict).toBe('OUTCOME_FAILED');
      expect(item?.patterns?.some((p) => p.pattern === 'tool_failure')).toBe(true);
    }

    // text: one readable line per item, with priority, verdict, session, patterns and the top reason.
    await until('text lines', () => text.lines, (lines) => lines.length >= items.length);
    const subtypes: Record<string, string> = { 'tr-ignored': 'tool_failure/ignored_error', 'tr-silent': 'tool_failure/silent_failure', 'tr-storm': 'tool_failure/retry_storm' };
    for (const key of broken) {
      const line = text.lines.find((l) => l.includes(`default/${key}#1`));
      const item = items.find((i) => i.sessionKey === key);
      expect(line, key).toBeDefined();
      expect(line).toMatch(new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\S+Z  ${item?.priority.toFixed(2)}  failed  `));
      expect(line).toContain(subtypes[key]);
      expect(line).toContain(` ${item?.reasons[0]?.code} `);
      expect(line).not.toContain('\n');
    }

    text.end.abort();
    jsonl.end.abort();
    expect(await Promise.all([text.done, jsonl.done])).toEqual([undefined, undefined]);

    // report: every session scored; the figures are those of the sessions and verdicts tables.
    await until('five verdicts', () => sql("SELECT count() AS n FROM verdicts_latest(tenant = 'default') WHERE session_key LIKE 'tr-%'"), (rows) => Number(rows[0]?.n) === 5);
    let printed = '';
    const report = await runReportCommand({ config: client, since: '7d', tenant: 'default', format: 'jsonl', write: (t) => (printed += t) });
    const rows = printed.trim().split('\n').map((line) => JSON.parse(line) as Row);
    expect(rows).toHaveLength(1);
    expect(report.rows).toHaveLength(1);
    const row = rows[0] as Row;
    // The agent runs: clean 2 tool calls each, ignored error 2 (1 failed), silent failure 1 (an
    // empty result is not an error span), retry storm 5 (all failed): 12 calls, 6 errors.
    expect(row).toMatchObject({ objective_id: 'default', objective_version: 1, sessions_scored: '5', tool_calls: '12', tool_errors: '6', step_success: 0.5, steps_per_session: 2.4, observed_pass_rate: 0.4 });
    expect(row.predicted_end_to_end).toBeCloseTo(Math.pow(0.5, 2.4), 4);
    const [tables] = await sql(
      "SELECT count() AS n, sum(tool_call_count) AS calls, sum(tool_error_count) AS errors FROM sessions FINAL WHERE tenant = 'default' AND (session_key, revision) IN (SELECT session_key, session_revision FROM verdicts_latest(tenant = 'default'))",
    );
    expect([row.sessions_scored, row.tool_calls, row.tool_errors]).toEqual([tables?.n, tables?.calls, tables?.errors]);
    const [passed] = await sql("SELECT countIf(outcome = 'passed') / count() AS rate FROM verdicts_latest(tenant = 'default')");
    expect(row.observed_pass_rate).toBe(Number(passed?.rate));
    const [objective] = await sql("SELECT count() AS n, max(sla_target) AS target FROM objectives FINAL WHERE objective_id = 'default' AND version = 1");
    expect(row.sla_target).toBe(Number(objective?.n) === 0 ? null : objective?.target);

    // A window that starts after every session: nothing to report.
    let empty = '';
    await runReportCommand({ config: client, since: '1ms', tenant: 'default', format: 'jsonl', write: (t) => (empty += t), now: () => Date.now() + 3_600_000 });
    expect(empty).toBe('');
  }, 120_000);
});

describe('tracebar tail and report, without an instance', () => {
  it('tail says what to start when nothing answers on the admin port', async () => {
    const server = createServer();
    const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
    await new Promise((resolve) => server.close(resolve));
    const { config } = loadConfig({ env: { TRACEBAR_ADMIN__PORT: String(port) } });
    await expect(runTailCommand({ config, topic: 'alerts', fromBeginning: false, format: 'text', stop: new AbortController().signal, write: () => undefined })).rejects.toThrow(
      new RegExp(`no tracebar answers at http://127\\.0\\.0\\.1:${port}.*tracebar up.*TRACEBAR_KAFKA_BROKERS`),
    );
  });

  it('report refuses a window that is not a duration', async () => {
    const { config } = loadConfig({ env: { TRACEBAR_ADMIN__PORT: '1' } });
    await expect(runReportCommand({ config, since: 'last week', tenant: 'default', format: 'table', write: () => undefined })).rejects.toThrow(/--since expects a duration/);
  });

  it('a review line stays one line whatever the session key holds', () => {
    const line = formatReviewLine({ tenant: 'acme', sessionKey: 'evil\nkey', sessionRevision: 2, priority: 0.8123, verdict: 'OUTCOME_FAILED', patterns: [{ pattern: 'tool_failure', subtype: 'silent_failure' }], reasons: [{ code: 'failed_required_evaluator', contribution: 0.5, detail: 'tools failed' }], evidence: [{ spanId: 'ab', note: 'search returned []' }], createdTimeUnixNano: '1764100000000000000' });
    expect(line).toBe('2025-11-25T19:46:40Z  0.81  failed    acme/evil key#2  -@0  tool_failure/silent_failure  failed_required_evaluator 0.50: tools failed  evidence: search returned []');
  });

  it('docs/queries.md shows the SQL report runs', () => {
    const docs = readFileSync(path.join(import.meta.dirname, '../../../docs/queries.md'), 'utf8');
    const section = docs.split(/^## /m).find((s) => s.startsWith('8. '));
    const blocks = [...(section ?? '').matchAll(/```sql\n([\s\S]*?)```/g)].map((m) => (m[1] as string).trim());
    expect(blocks).toContain(REPORT_SQL);
  });
});
