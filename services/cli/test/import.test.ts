// `tracebar import` against a real `tracebar up` process: spans and sessions in SQL, outcomes in
// the labels table only.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadDataset } from '@tracebar/importers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, freePort, repoRoot, runCli, spawnCli, waitForReady } from './cli-process.js';

const AIRLINE = '/work/shared/datasets/tau-bench-airline/gpt-4o-airline.json';
const WHO_AND_WHEN = path.join(repoRoot, 'services/lib/importers/testdata/who-and-when');
const work = mkdtempSync(path.join(tmpdir(), 'tracebar-import-'));
const airline = path.join(work, 'airline-sample.json');
// Task 0 (failed, reward 0) and the first two passed records, as in the data set.
const all = JSON.parse(readFileSync(AIRLINE, 'utf8')) as { reward: number }[];
writeFileSync(airline, JSON.stringify([all[0], ...all.filter((record) => record.reward === 1).slice(0, 2)]));
// Within the spans table's 30-day TTL.
const startTime = new Date(Date.now() - 3_600_000).toISOString();

async function sqlRows(env: NodeJS.ProcessEnv, query: string): Promise<Record<string, unknown>[]> {
  const result = await runCli(['sql', query, '--format', 'jsonl'], env);
  if (result.code !== 0) throw new Error(`sql failed: ${result.stderr}`);
  return result.stdout
    .trim()
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 45_000): Promise<T> {
  const began = Date.now();
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() - began > timeoutMs) return value;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

describe('tracebar import', () => {
  const env: NodeJS.ProcessEnv = { TRACEBAR_DATA_DIR: path.join(work, 'data'), TRACEBAR_LOG_LEVEL: 'warn', TRACEBAR_OTLP__GRPC__PORT: '0' };
  let up: ReturnType<typeof spawnCli> | undefined;

  beforeAll(async () => {
    env.TRACEBAR_ADMIN__PORT = String(await freePort());
    env.TRACEBAR_OTLP__HTTP__PORT = String(await freePort());
    up = spawnCli(['up'], env);
    await waitForReady(`http://127.0.0.1:${env.TRACEBAR_ADMIN__PORT}`, 60_000);
  });
  afterAll(async () => {
    if (!up) return;
    const exited = collect(up);
    up.kill('SIGTERM');
    await exited;
  });

  it('sends a data set as sessions, waits for the exports and writes outcomes as labels only', async () => {
    const expected = await loadDataset('openai-messages', airline);
    const result = await runCli(['import', airline, '--format', 'openai-messages', '--outcomes-as-labels', '--start-time', startTime], env);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^imported 3 sessions \\(${expected.reduce((n, s) => n + s.spans.length, 0)} spans, 1 requests\\) from airline-sample\\.json`));
    expect(result.stdout).toContain(`--start-time ${startTime}`);
    expect(result.stdout).toContain('3 outcome labels written to the labels table');
    // Not a terminal: plain progress lines on stderr.
    expect(result.stderr).toMatch(/^import: 3\/3 sessions \(100%\), \d+ spans, [\d.]+ s$/m);

    const spanCounts = await eventually(
      () => sqlRows(env, 'SELECT session_key, count() AS spans FROM spans GROUP BY session_key ORDER BY session_key'),
      (rows) => rows.length === 3,
    );
    expect(spanCounts).toEqual(expected.map((s) => ({ session_key: s.sessionKey, spans: String(s.spans.length) })).sort((a, b) => a.session_key.localeCompare(b.session_key)));
    const sessions = await eventually(
      () => sqlRows(env, 'SELECT session_key, close_reason, span_count, tool_call_count FROM sessions FINAL ORDER BY session_key'),
      (rows) => rows.length === 3,
    );
    expect(sessions.map((row) => [row.session_key, row.close_reason])).toEqual(spanCounts.map((row) => [row.session_key, 'end_marker']));

    // The ground truth is in the labels table, and nowhere in the spans.
    const labels = await eventually(
      () => sqlRows(env, "SELECT session_key, outcome, source, author, outcome_double['reward'] AS reward FROM labels FINAL ORDER BY session_key"),
      (rows) => rows.length === 3,
    );
    const byKey = new Map(expected.map((s) => [s.sessionKey, s.outcome]));
    expect(labels).toEqual(
      spanCounts.map((row) => {
        const truth = byKey.get(String(row.session_key))!;
        return { session_key: row.session_key, outcome: truth.outcome, source: 'import', author: 'import:airline-sample.json', reward: truth.fields.reward };
      }),
    );
    expect(labels.map((row) => row.outcome).sort()).toEqual(['failed', 'passed', 'passed']);
    const leaks = await sqlRows(
      env,
      "SELECT countIf(position(concat(toString(attributes_string), toString(attributes_double), toString(resource_attributes_string), gen_ai_input_messages), 'reward') > 0) AS leaks, countIf(position(toString(attributes_string), 'gen_ai.input.messages') > 0) AS with_messages FROM spans",
    );
    expect(leaks).toEqual([{ leaks: '0', with_messages: expect.not.stringMatching(/^0$/) }]);
  });

  it('imports a Who&When folder, with the labelled mistake step as label evidence', async () => {
    const expected = await loadDataset('who-and-when', WHO_AND_WHEN);
    const result = await runCli(['import', WHO_AND_WHEN, '--format', 'who-and-when', '--outcomes-as-labels', '--start-time', startTime], env);
    expect(result.code, result.stderr).toBe(0);
    const labels = await eventually(
      () => sqlRows(env, "SELECT session_key, outcome, evidence FROM labels FINAL WHERE session_key LIKE 'who-and-when/%' ORDER BY session_key"),
      (rows) => rows.length === 2,
    );
    const evidence = (key: string) => expected.find((s) => s.sessionKey === key)!.outcome.evidence.map((e) => ({ span_id: e.spanId, trace_id: e.traceId, note: e.note }));
    expect(labels).toEqual([
      { session_key: 'who-and-when/10', outcome: 'failed', evidence: evidence('who-and-when/10') },
      { session_key: 'who-and-when/2', outcome: 'failed', evidence: evidence('who-and-when/2') },
    ]);
    // The evidence names a span that is in the spans table.
    const [first] = expected;
    const span = await eventually(
      () => sqlRows(env, `SELECT gen_ai_agent_name FROM spans WHERE span_id = '${first!.outcome.evidence[0]!.spanId}'`),
      (rows) => rows.length === 1,
    );
    expect(span).toEqual([{ gen_ai_agent_name: 'Math_Expert' }]);
  });

  it('fails clearly when tracebar is not running, and on bad arguments', async () => {
    const port = await freePort();
    const down = await runCli(['import', airline, '--format', 'openai-messages', '--endpoint', `http://127.0.0.1:${port}`], env);
    expect(down.code).toBe(1);
    expect(down.stderr).toBe(`tracebar: tracebar is not running at http://127.0.0.1:${port} (ECONNREFUSED): start it with 'tracebar up', or pass --endpoint\n`);
    const noFormat = await runCli(['import', airline], env);
    expect([noFormat.code, noFormat.stderr]).toEqual([2, expect.stringContaining('import needs --format openai-messages|who-and-when, got table')]);
    const missing = await runCli(['import', path.join(work, 'nope.json'), '--format', 'openai-messages'], env);
    expect([missing.code, missing.stderr]).toEqual([1, expect.stringContaining(`cannot read ${path.join(work, 'nope.json')}: ENOENT`)]);
    const wrongShape = await runCli(['import', airline, '--format', 'who-and-when'], env);
    expect([wrongShape.code, wrongShape.stderr]).toEqual([1, expect.stringMatching(/^tracebar: airline-sample\.json\[0\]: not a who-and-when record at question: /m)]);
    const badTime = await runCli(['import', airline, '--format', 'openai-messages', '--start-time', 'yesterday'], env);
    expect(badTime.code).toBe(2);
  });
});
