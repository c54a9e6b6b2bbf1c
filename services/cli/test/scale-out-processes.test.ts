// The service commands as real processes on the test broker: `tracebar ingest` and two
// `tracebar sessionizer` processes, with scorer + sink in this test process (`up --components
// scorer,sink`: the one process that holds the chDB folder). Sessions exported over OTLP to the
// ingest process end up scored in the store; SIGTERM drains each process and exits 0.
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
import { afterAll, describe, expect, inject, it } from 'vitest';
import { runUp } from '../src/commands/up.js';
import { collect, freePort, spawnCli, waitForReady, type CliResult } from './cli-process.js';
import { agentRuns, spanCount, SimulatedAgent } from './support/simulated-agent.js';
import { adminSql, type Row } from './support/admin-sql.js';

const silent = createLogger({ name: 'test', level: 'silent', destination: new Writable({ write: (_c, _e, done) => done() }) });

type LogLine = { msg: string; components?: string[] };

describe('tracebar ingest and tracebar sessionizer as processes on Kafka', () => {
  const suffix = `${Date.now()}-${process.pid}`;
  const brokers = inject('kafkaBrokers');
  const admin = new Admin({ clientId: 'scale-out-processes-test', bootstrapBrokers: [brokers] });
  const children: ReturnType<typeof spawnCli>[] = [];
  const env: Record<string, string> = {
    TRACEBAR_KAFKA_BROKERS: brokers,
    TRACEBAR_LOG_LEVEL: 'info',
    TRACEBAR_OTLP__GRPC__PORT: '0',
    TRACEBAR_OTLP__HTTP__PORT: '0',
    TRACEBAR_TOPICS__SPANS__PARTITIONS: '4',
    TRACEBAR_SESSIONIZER__CONSUMER_GROUP: `sessionizer-${suffix}`,
    TRACEBAR_SCORER__CONSUMER_GROUP: `scorer-${suffix}`,
    TRACEBAR_SINK__CONSUMER_GROUP: `sink-${suffix}`,
    TRACEBAR_SESSIONIZER__ALLOWED_LATENESS_MS: '100ms',
    TRACEBAR_SINK__FLUSH_INTERVAL_MS: '200ms',
  };
  for (const role of Object.keys(topicCatalog)) {
    const variable = role.replace(/[A-Z]/g, (letter) => `_${letter}`).toUpperCase();
    env[`TRACEBAR_TOPICS__${variable}__NAME`] = `${topicCatalog[role as keyof typeof topicCatalog].topic}-${suffix}`;
  }

  afterAll(async () => {
    children.forEach((child) => child.kill('SIGKILL'));
    await admin.deleteTopics({ topics: Object.values(topicCatalog).map((entry) => `${entry.topic}-${suffix}`) }).catch(() => undefined);
    await admin.close();
  });

  async function spawnService(service: string, extra: Record<string, string> = {}): Promise<{ adminUrl: string; exited: Promise<CliResult>; kill: () => void }> {
    const port = await freePort();
    const child = spawnCli([service], { ...env, TRACEBAR_DATA_DIR: mkdtempSync(path.join(tmpdir(), `tracebar-${service}-`)), TRACEBAR_ADMIN__PORT: String(port), ...extra });
    children.push(child);
    return { adminUrl: `http://127.0.0.1:${port}`, exited: collect(child), kill: () => child.kill('SIGTERM') };
  }

  it('carries sessions from the ingest process through two sessionizer processes to the store, and each drains on SIGTERM', async () => {
    const otlpPort = await freePort();
    const ingest = await spawnService('ingest', { TRACEBAR_OTLP__HTTP__PORT: String(otlpPort) });
    const sessionizers = [await spawnService('sessionizer'), await spawnService('sessionizer')];

    // Scorer and sink together in this process: the one that holds the chDB folder.
    const { config } = loadConfig({
      env: {
        ...env,
        TRACEBAR_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'tracebar-scorer-sink-')),
        TRACEBAR_ADMIN__PORT: '0',
        TRACEBAR_SCORER__OBJECTIVES_DIR: path.join(import.meta.dirname, '../../../config/objectives'),
        TRACEBAR_SCORER__TAXONOMY_FILE: path.join(import.meta.dirname, '../../../config/taxonomy.yaml'),
      },
      file: path.resolve(import.meta.dirname, '../../../config/tracebar.yaml'),
    });
    const stop = new AbortController();
    let storeUrl = '';
    let exitCode: number | undefined;
    const ready = new Promise<void>((resolve) => {
      const exited = runUp({
        config,
        configFile: undefined,
        components: ['scorer', 'sink'],
        signals: new EventEmitter(),
        logger: silent,
        stop: stop.signal,
        forceExit: () => undefined,
        onReady: (info) => {
          storeUrl = info.adminUrl;
          resolve();
        },
      });
      void exited.then((code) => (exitCode = code));
    });
    await ready;

    for (const service of [ingest, ...sessionizers]) await waitForReady(service.adminUrl, 90_000);
    const checks = (await (await fetch(`${sessionizers[0]?.adminUrl}/readyz`)).json()) as { checks: Record<string, unknown> };
    expect(Object.keys(checks.checks).sort()).toEqual(['bus', 'sessionizer', 'startup']);

    const runs = [agentRuns.clean('proc-clean-1'), agentRuns.ignoredError('proc-ignored'), agentRuns.silentFailure('proc-silent'), agentRuns.retryStorm('proc-storm'), agentRuns.clean('proc-clean-2'), agentRuns.retryStorm('proc-storm-2')];
    const agent = new SimulatedAgent(`http://127.0.0.1:${otlpPort}`);
    for (const run of runs) agent.run(run);
    await agent.flush();
    await agent.shutdown();
    const expectedSpans = runs.reduce((n, run) => n + spanCount(run), 0);
    expect(agent.acknowledgedSpans).toBe(expectedSpans);

    const sql = (query: string) => adminSql(storeUrl, query);

    const deadline = Date.now() + 90_000;
    let summary: Row | undefined;
    for (;;) {
      summary = (
        await sql(
          "SELECT (SELECT count() FROM spans WHERE session_key LIKE 'proc-%') AS spans, (SELECT count() FROM sessions FINAL WHERE session_key LIKE 'proc-%') AS sessions, (SELECT count() FROM verdicts FINAL WHERE session_key LIKE 'proc-%') AS verdicts",
        )
      )[0];
      if ((Number(summary?.spans) >= expectedSpans && Number(summary?.sessions) >= runs.length && Number(summary?.verdicts) >= runs.length) || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(summary).toEqual({ spans: String(expectedSpans), sessions: String(runs.length), verdicts: String(runs.length) });

    // Both sessionizer processes took part: 4 span partitions split 2/2, and no two of them are
    // both empty of these sessions (partitions 0, 2, 3 hold some).
    expect(new Set(runs.map((run) => partitionFor(sessionRecordKey('default', run.session), 4))).size).toBeGreaterThanOrEqual(3);
    const consumed = await Promise.all(
      sessionizers.map(async (service) => {
        const metrics = await (await fetch(`${service.adminUrl}/metrics`)).text();
        return Number(/^tracebar_sessionizer_spans_consumed_total (\d+)$/m.exec(metrics)?.[1] ?? 0);
      }),
    );
    expect(consumed.every((n) => n > 0), `spans consumed per sessionizer process: ${consumed.join(', ')}`).toBe(true);
    expect(consumed.reduce((a, b) => a + b, 0)).toBe(expectedSpans);

    // SIGTERM: intake stops, in-flight work drains, exit 0; the logs name the components run.
    for (const service of [ingest, ...sessionizers]) service.kill();
    const results = await Promise.all([ingest, ...sessionizers].map((service) => service.exited));
    for (const result of results) expect(result.code, result.stderr).toBe(0);
    const lines = results.map((result) => result.stdout.trim().split('\n').map((line) => JSON.parse(line) as LogLine));
    expect(lines.map((log) => log.find((line) => line.msg === 'tracebar ready')?.components)).toEqual([['ingest'], ['sessionizer'], ['sessionizer']]);
    for (const log of lines) expect(log.at(-1)?.msg).toBe('tracebar stopped');

    stop.abort();
    await expect.poll(() => exitCode, { timeout: 60_000 }).toBe(0);
  }, 240_000);
});
