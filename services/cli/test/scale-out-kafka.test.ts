// The pipeline split across instances on the real Kafka broker, as `tracebar ingest|sessionizer|
// scorer|sink` run it: one ingest, two sessionizers, two scorers, one sink. An agent instrumented
// with the OpenTelemetry SDK exports sessions over OTLP; every acknowledged span is stored once,
// every session has one row per revision and one score per evaluator, and the review queue ranks
// the broken sessions first — what one instance of each gives.
//
// chDB is one engine per process and locks its folder, so the sink and both scorers (which record
// objective versions) share ONE data folder: several clients on one folder in one process share
// the engine (services/lib/clickhouse/README.md). Across real processes they would need a server.
import { EventEmitter } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { Admin } from '@platformatic/kafka';
import { partitionFor } from '@tracebar/bus';
import { loadConfig } from '@tracebar/config';
import { sessionRecordKey, topicCatalog } from '@tracebar/proto';
import { createLogger } from '@tracebar/runtime';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { PipelineComponent } from '../src/commands/components.js';
import { runUp } from '../src/commands/up.js';
import { agentRuns, spanCount, SimulatedAgent, type AgentRun } from './support/simulated-agent.js';
import { adminSql, until, type Row } from './support/admin-sql.js';

const silent = createLogger({ name: 'test', level: process.env.TRACEBAR_TEST_LOG ?? 'silent', ...(process.env.TRACEBAR_TEST_LOG ? {} : { destination: new Writable({ write: (_c, _e, done) => done() }) }) });


interface Instance {
  name: string;
  adminUrl: string;
  otlpHttp: string | undefined;
  stop: AbortController;
  exited: Promise<number>;
}

async function readyz(url: string, timeoutMs = 60_000): Promise<{ status: number; body: { checks: Record<string, unknown> } }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await fetch(`${url}/readyz`);
    const answer = { status: response.status, body: (await response.json()) as { checks: Record<string, unknown> } };
    if (answer.status === 200 || Date.now() > deadline) return answer;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A counter's value on an instance's /metrics (summed over labels). */
async function counter(instance: Instance, name: string): Promise<number> {
  const text = await (await fetch(`${instance.adminUrl}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name} `) || line.startsWith(`${name}{`))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

describe('the pipeline split across instances on Kafka: one ingest, two sessionizers, two scorers, one sink', () => {
  const suffix = `${Date.now()}-${process.pid}`;
  const brokers = inject('kafkaBrokers');
  const storeDir = mkdtempSync(path.join(tmpdir(), 'tracebar-scale-out-store-'));
  const instances: Instance[] = [];
  const admin = new Admin({ clientId: 'scale-out-test', bootstrapBrokers: [brokers] });

  const env: NodeJS.ProcessEnv = {
    TRACEBAR_KAFKA_BROKERS: brokers,
    TRACEBAR_ADMIN__PORT: '0',
    TRACEBAR_OTLP__GRPC__PORT: '0',
    TRACEBAR_OTLP__HTTP__PORT: '0',
    TRACEBAR_TOPICS__SPANS__PARTITIONS: '4',
    // Groups of this run only: instances of one service share the work through theirs.
    TRACEBAR_SESSIONIZER__CONSUMER_GROUP: `sessionizer-${suffix}`,
    TRACEBAR_SCORER__CONSUMER_GROUP: `scorer-${suffix}`,
    TRACEBAR_SINK__CONSUMER_GROUP: `sink-${suffix}`,
    TRACEBAR_SESSIONIZER__ALLOWED_LATENESS_MS: '100ms',
    TRACEBAR_SINK__FLUSH_INTERVAL_MS: '200ms',
    TRACEBAR_SCORER__OBJECTIVES_DIR: path.join(import.meta.dirname, '../../../config/objectives'),
    TRACEBAR_SCORER__TAXONOMY_FILE: path.join(import.meta.dirname, '../../../config/taxonomy.yaml'),
  };
  for (const role of Object.keys(topicCatalog)) {
    const variable = role.replace(/[A-Z]/g, (letter) => `_${letter}`).toUpperCase();
    env[`TRACEBAR_TOPICS__${variable}__NAME`] = `${topicCatalog[role as keyof typeof topicCatalog].topic}-${suffix}`;
  }

  function start(name: string, component: PipelineComponent): Promise<Instance> {
    const dataDir = component === 'sink' || component === 'scorer' ? storeDir : mkdtempSync(path.join(tmpdir(), `tracebar-scale-out-${component}-`));
    const { config } = loadConfig({ env: { ...env, TRACEBAR_DATA_DIR: dataDir }, file: path.resolve(import.meta.dirname, '../../../config/tracebar.yaml') });
    const stop = new AbortController();
    return new Promise<Instance>((resolve, reject) => {
      const exited = runUp({
        config,
        configFile: undefined,
        components: [component],
        command: component,
        signals: new EventEmitter(),
        logger: silent.child({ instance: name }),
        stop: stop.signal,
        forceExit: () => undefined,
        onReady: (info) => {
          const instance = { name, adminUrl: info.adminUrl, otlpHttp: info.otlp?.http, stop, exited };
          instances.push(instance);
          resolve(instance);
        },
      });
      exited.then((code) => reject(new Error(`${name} exited with ${code} before it was ready`)), reject);
    });
  }

  let ingest: Instance;
  let sessionizers: Instance[];
  let scorers: Instance[];
  let sink: Instance;

  beforeAll(async () => {
    // Started together, as independent deployments would be: topics, groups and migrations race.
    [ingest, sessionizers, scorers, sink] = await Promise.all([
      start('ingest', 'ingest'),
      Promise.all([start('sessionizer-a', 'sessionizer'), start('sessionizer-b', 'sessionizer')]),
      Promise.all([start('scorer-a', 'scorer'), start('scorer-b', 'scorer')]),
      start('sink', 'sink'),
    ]);
  }, 120_000);

  afterAll(async () => {
    // Intake first, then each stage drains behind it.
    for (const stage of ['ingest', 'sessionizer', 'scorer', 'sink']) {
      const stopping = instances.filter((instance) => instance.name.startsWith(stage));
      for (const instance of stopping) instance.stop.abort();
      for (const instance of stopping) expect(await instance.exited, instance.name).toBe(0);
    }
    await admin.deleteTopics({ topics: Object.values(topicCatalog).map((entry) => `${entry.topic}-${suffix}`) }).catch(() => undefined);
    await admin.close();
  }, 120_000);

  const sql = (query: string) => adminSql(sink.adminUrl, query);

  const rowsUntil = (what: string, query: string, done: (rows: Row[]) => boolean, timeoutMs = 90_000) => until(what, () => sql(query), done, timeoutMs);

  it('each instance is ready and its readiness lists only the components it runs', async () => {
    const checks = async (instance: Instance) => {
      const answer = await readyz(instance.adminUrl);
      expect(answer.status, instance.name).toBe(200);
      return Object.keys(answer.body.checks).sort();
    };
    expect(await checks(ingest)).toEqual(['bus', 'ingest', 'startup']);
    for (const instance of sessionizers) expect(await checks(instance)).toEqual(['bus', 'sessionizer', 'startup']);
    for (const instance of scorers) expect(await checks(instance)).toEqual(['bus', 'scorer', 'startup', 'store']);
    expect(await checks(sink)).toEqual(['bus', 'sink', 'startup', 'store']);
    expect(ingest.otlpHttp).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(sessionizers[0]?.otlpHttp).toBeUndefined();
    // No store in a sessionizer: its admin API has no SQL to offer.
    const noSql = await fetch(`${sessionizers[0]?.adminUrl}/v1/sql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"SELECT 1"}' });
    expect(noSql.status).toBe(404);
  }, 120_000);

  it('stores every acknowledged span once, one session row per revision, one score per evaluator, broken sessions ranked first', async () => {
    const kinds = ['clean', 'ignoredError', 'silentFailure', 'retryStorm'] as const;
    const runs: AgentRun[] = kinds.flatMap((kind) => Array.from({ length: 6 }, (_, i) => agentRuns[kind](`split-${kind}-${i}`)));
    // Whichever half of the partitions an instance is given holds sessions: 4 span partitions and
    // 12 session partitions, split between two members each.
    const keys = runs.map((run) => sessionRecordKey('default', run.session));
    expect(new Set(keys.map((key) => partitionFor(key, 4))).size).toBe(4);
    expect(new Set(keys.map((key) => partitionFor(key, 12))).size).toBeGreaterThan(6);
    const agent = new SimulatedAgent(ingest.otlpHttp ?? '');
    for (const run of runs) agent.run(run);
    await agent.flush();
    await agent.shutdown();
    const expectedSpans = runs.reduce((n, run) => n + spanCount(run), 0);
    expect(agent.failedSpans).toBe(0);
    expect(agent.acknowledgedSpans).toBe(expectedSpans);

    // Spans: rows stored (no FINAL: a redelivered batch would show twice) = spans acknowledged.
    const stored = await rowsUntil('every acknowledged span', "SELECT count() AS n, uniqExact(span_id) AS spans FROM spans WHERE session_key LIKE 'split-%'", (rows) => Number(rows[0]?.n) >= expectedSpans);
    expect(Number(stored[0]?.n)).toBe(agent.acknowledgedSpans);
    expect(Number(stored[0]?.spans)).toBe(agent.acknowledgedSpans);
    const perSession = await sql("SELECT session_key, count() AS n FROM spans WHERE session_key LIKE 'split-%' GROUP BY session_key");
    expect(Object.fromEntries(perSession.map((r) => [r.session_key, Number(r.n)]))).toEqual(Object.fromEntries(runs.map((run) => [run.session, spanCount(run)])));

    // Sessions: one row per session, revision 1, carrying all of its spans.
    const sessions = await rowsUntil('every session', "SELECT session_key, revision, span_count FROM sessions FINAL WHERE session_key LIKE 'split-%' ORDER BY session_key", (rows) => rows.length >= runs.length);
    expect(sessions.map((r) => [r.session_key, Number(r.revision), Number(r.span_count)])).toEqual(
      runs.map((run) => [run.session, 1, spanCount(run)]).sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    );

    // Verdicts and scores: one per session (and per evaluator), with objective and evaluator versions.
    const verdicts = await rowsUntil('every verdict', "SELECT session_key, objective_id, objective_version, outcome FROM verdicts FINAL WHERE session_key LIKE 'split-%'", (rows) => rows.length >= runs.length);
    expect(verdicts).toHaveLength(runs.length);
    expect(verdicts.every((r) => r.objective_id === 'default' && Number(r.objective_version) === 1)).toBe(true);
    for (const r of verdicts) expect(r.outcome, String(r.session_key)).toBe(String(r.session_key).startsWith('split-clean-') ? 'passed' : 'failed');
    const scores = await rowsUntil('every score', "SELECT session_key, count() AS n, uniqExact(evaluator_type) AS evaluators FROM scores FINAL WHERE session_key LIKE 'split-%' GROUP BY session_key", (rows) => rows.length >= runs.length && rows.every((r) => Number(r.n) === Number(rows[0]?.n)));
    expect(scores).toHaveLength(runs.length);
    const evaluatorCount = Number(scores[0]?.evaluators);
    expect(evaluatorCount).toBeGreaterThanOrEqual(5);
    expect(scores.every((r) => Number(r.n) === evaluatorCount && Number(r.evaluators) === evaluatorCount)).toBe(true);
    const patterns = await sql("SELECT session_key, pattern, subtype FROM scores FINAL WHERE session_key LIKE 'split-%' AND evaluator_type = 'tool_failures'");
    for (const r of patterns) {
      const key = String(r.session_key);
      const expected = key.includes('-ignoredError-') ? 'tool_failure/ignored_error' : key.includes('-silentFailure-') ? 'tool_failure/silent_failure' : key.includes('-retryStorm-') ? 'tool_failure/retry_storm' : undefined;
      if (expected) expect(`${String(r.pattern)}/${String(r.subtype)}`, key).toBe(expected);
    }

    // Review items: at most one per session revision, every broken session above every clean one.
    const broken = runs.filter((run) => !run.session.startsWith('split-clean-')).map((run) => run.session);
    const items = await rowsUntil('review items of the broken sessions', "SELECT session_key, count() AS n FROM review_items FINAL WHERE session_key LIKE 'split-%' GROUP BY session_key", (rows) => broken.every((key) => rows.some((r) => r.session_key === key)));
    expect(items.every((r) => Number(r.n) === 1)).toBe(true);
    const queue = await sql("SELECT session_key, priority FROM review_queue(tenant = 'default') WHERE session_key LIKE 'split-%'");
    const priority = new Map(queue.map((r) => [String(r.session_key), Number(r.priority)]));
    const lowestBroken = Math.min(...broken.map((key) => priority.get(key) ?? 0));
    const highestClean = Math.max(0, ...runs.filter((run) => run.session.startsWith('split-clean-')).map((run) => priority.get(run.session) ?? 0));
    expect(lowestBroken).toBeGreaterThan(highestClean);

    // The instances of each service shared the work: each did some, together exactly all of it.
    const consumed = await Promise.all(sessionizers.map((instance) => counter(instance, 'tracebar_sessionizer_spans_consumed_total')));
    expect(consumed.every((n) => n > 0), `spans consumed per sessionizer: ${consumed.join(', ')}`).toBe(true);
    expect(consumed.reduce((a, b) => a + b, 0)).toBe(expectedSpans);
    const closed = await Promise.all(sessionizers.map((instance) => counter(instance, 'tracebar_sessionizer_sessions_closed_total')));
    expect(closed.reduce((a, b) => a + b, 0)).toBe(runs.length);
    const scored = await Promise.all(scorers.map((instance) => counter(instance, 'tracebar_scorer_sessions_scored_total')));
    expect(scored.every((n) => n > 0), `sessions scored per scorer: ${scored.join(', ')}`).toBe(true);
    expect(scored.reduce((a, b) => a + b, 0)).toBe(runs.length);
  }, 180_000);
});
