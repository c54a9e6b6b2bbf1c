// The pieces of the Kafka fault tests: one run's env (its own topics and consumer groups, short
// Kafka session timeouts so a killed member's partitions move on in seconds), pipeline parts in
// this process (`runUp`) or as `tracebar` processes, SQL and /metrics over the admin API, an
// agent that remembers which span ids were acknowledged, and the per-session counts.
import type { ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { ExportResultCode } from '@opentelemetry/core';
import { loadConfig } from '@tracebar/config';
import { topicCatalog } from '@tracebar/proto';
import { createLogger } from '@tracebar/runtime';
import type { PipelineComponent } from '../../src/commands/components.js';
import { runUp } from '../../src/commands/up.js';
import { collect, freePort, repoRoot, spawnCli, waitForReady, type CliResult } from '../cli-process.js';
import { agentRuns, spanCount, SimulatedAgent, type AgentRun } from './simulated-agent.js';
import { adminSql, type Row } from './admin-sql.js';

export { adminSql as sql, type Row };


const silent = createLogger({
  name: 'faults',
  level: process.env.TRACEBAR_TEST_LOG ?? 'silent',
  ...(process.env.TRACEBAR_TEST_LOG ? {} : { destination: new Writable({ write: (_c, _e, done) => done() }) }),
});

/** The env of one run: unique topics and groups, fast Kafka timeouts, quick session close and flush. */
export function runEnv(brokers: string, suffix: string): Record<string, string> {
  const env: Record<string, string> = {
    TRACEBAR_KAFKA_BROKERS: brokers,
    TRACEBAR_LOG_LEVEL: 'warn',
    TRACEBAR_OTLP__GRPC__PORT: '0',
    TRACEBAR_OTLP__HTTP__PORT: '0',
    TRACEBAR_TOPICS__SPANS__PARTITIONS: '4',
    TRACEBAR_TOPICS__SESSIONS__PARTITIONS: '4',
    TRACEBAR_TOPICS__SCORES__PARTITIONS: '4',
    TRACEBAR_SESSIONIZER__CONSUMER_GROUP: `sessionizer-${suffix}`,
    TRACEBAR_SCORER__CONSUMER_GROUP: `scorer-${suffix}`,
    TRACEBAR_SINK__CONSUMER_GROUP: `sink-${suffix}`,
    TRACEBAR_SESSIONIZER__ALLOWED_LATENESS_MS: '100ms',
    TRACEBAR_SINK__FLUSH_INTERVAL_MS: '200ms',
    // 6 s is the broker's least group session timeout: a member killed with -9 is dropped after it.
    TRACEBAR_BUS__KAFKA__SESSION_TIMEOUT_MS: '6s',
    TRACEBAR_BUS__KAFKA__HEARTBEAT_INTERVAL_MS: '500ms',
    TRACEBAR_BUS__KAFKA__CONNECT_TIMEOUT_MS: '2s',
    TRACEBAR_BUS__KAFKA__REQUEST_TIMEOUT_MS: '5s',
    TRACEBAR_SHUTDOWN__TIMEOUT_MS: '20s',
    TRACEBAR_SCORER__OBJECTIVES_DIR: path.join(repoRoot, 'config/objectives'),
    TRACEBAR_SCORER__TAXONOMY_FILE: path.join(repoRoot, 'config/taxonomy.yaml'),
  };
  for (const role of Object.keys(topicCatalog)) {
    const variable = role.replace(/[A-Z]/g, (letter) => `_${letter}`).toUpperCase();
    env[`TRACEBAR_TOPICS__${variable}__NAME`] = `${topicCatalog[role as keyof typeof topicCatalog].topic}-${suffix}`;
  }
  return env;
}

export function runTopics(suffix: string): string[] {
  return Object.values(topicCatalog).map((entry) => `${entry.topic}-${suffix}`);
}

export interface Part {
  name: string;
  adminUrl: string;
  otlpHttp?: string;
  /** SIGTERM (a process) or the stop signal (in this process); resolves with the exit code. */
  stop(): Promise<number | null>;
}

export interface ProcessPart extends Part {
  child: ChildProcess;
  exited: Promise<CliResult>;
  /** kill -9, and wait until it is gone. */
  kill9(): Promise<CliResult>;
}

/** Components run by `runUp` in this process, as `tracebar up --components` would. */
export function startInProcess(name: string, env: Record<string, string>, components: PipelineComponent[], dataDir: string): Promise<Part> {
  const { config } = loadConfig({ env: { ...env, TRACEBAR_DATA_DIR: dataDir, TRACEBAR_ADMIN__PORT: '0' }, file: path.join(repoRoot, 'config/tracebar.yaml') });
  const stop = new AbortController();
  return new Promise<Part>((resolve, reject) => {
    const exited = runUp({
      config,
      configFile: undefined,
      components,
      signals: new EventEmitter(),
      logger: silent.child({ part: name }),
      stop: stop.signal,
      forceExit: () => undefined,
      onReady: (info) =>
        resolve({
          name,
          adminUrl: info.adminUrl,
          ...(info.otlp?.http ? { otlpHttp: info.otlp.http } : {}),
          stop: () => {
            stop.abort();
            return exited;
          },
        }),
    });
    exited.then((code) => reject(new Error(`${name} exited with ${code} before it was ready`)), reject);
  });
}

/** A `tracebar` command as a real process (from source, as `npx tracebar` runs it), ready. */
export async function spawnPart(name: string, env: Record<string, string>, args: string[], dataDir: string): Promise<ProcessPart> {
  const port = await freePort();
  const child = spawnCli(args, { ...env, TRACEBAR_DATA_DIR: dataDir, TRACEBAR_ADMIN__PORT: String(port) });
  const exited = collect(child);
  const adminUrl = `http://127.0.0.1:${port}`;
  const early = exited.then((result) => {
    throw new Error(`${name} exited (${result.code ?? result.signal}) before it was ready: ${result.stderr}${result.stdout.slice(-2_000)}`);
  });
  await Promise.race([waitForReady(adminUrl, 90_000), early]);
  early.catch(() => undefined);
  return {
    name,
    adminUrl,
    child,
    exited,
    stop: async () => {
      child.kill('SIGTERM');
      return (await exited).code;
    },
    kill9: async () => {
      child.kill('SIGKILL');
      return exited;
    },
  };
}

export function tempDir(label: string): string {
  return mkdtempSync(path.join(tmpdir(), `tracebar-faults-${label}-`));
}


/** A metric's value on a part's /metrics, summed over its labels (0 when absent). */
export async function metric(adminUrl: string, name: string): Promise<number> {
  const text = await (await fetch(`${adminUrl}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name} `) || line.startsWith(`${name}{`))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

export async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 60_000, everyMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not answering yet (a part restarting): try again
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/**
 * The simulated agent, also remembering WHICH spans were acknowledged (per session): a failed
 * export (after the exporter's own retries) is not counted, though its spans may still be stored.
 */
export class AckedAgent extends SimulatedAgent {
  readonly acknowledged = new Map<string, Set<string>>();
  /** Span ids of exports that failed: possibly stored (published before the failure), never owed. */
  readonly failed = new Set<string>();
  exports = { succeeded: 0, failed: 0 };

  constructor(otlpHttpUrl: string) {
    super(otlpHttpUrl);
    const counted = this.exporter.export.bind(this.exporter);
    this.exporter.export = (spans: ReadableSpan[], done) =>
      counted(spans, (result) => {
        if (result.code === ExportResultCode.SUCCESS) {
          this.exports.succeeded++;
          for (const span of spans) {
            const session = String(span.attributes['session.id']);
            const ids = this.acknowledged.get(session) ?? new Set<string>();
            ids.add(span.spanContext().spanId);
            this.acknowledged.set(session, ids);
          }
        } else {
          this.exports.failed++;
          for (const span of spans) this.failed.add(span.spanContext().spanId);
        }
        done(result);
      });
  }

  acknowledgedIds(): Set<string> {
    return new Set([...this.acknowledged.values()].flatMap((ids) => [...ids]));
  }
}

const kinds = ['clean', 'ignoredError', 'silentFailure', 'retryStorm'] as const;

/** `count` sessions, the four kinds in turn, keyed `<prefix>-<kind>-<i>`. */
export function faultRuns(prefix: string, count: number): AgentRun[] {
  return Array.from({ length: count }, (_, i) => {
    const kind = kinds[i % kinds.length] as (typeof kinds)[number];
    return agentRuns[kind](`${prefix}-${kind}-${i}`);
  });
}

export const isBroken = (session: string): boolean => !session.includes('-clean-');

/** The agent keeps working: one session every `everyMs` until all ran; `started` counts them. */
export function steadyLoad(agent: SimulatedAgent, runs: readonly AgentRun[], everyMs: number): { started: () => number; done: Promise<void> } {
  let next = 0;
  let timer: NodeJS.Timeout | undefined;
  const done = new Promise<void>((resolve) => {
    timer = setInterval(() => {
      const run = runs[next];
      if (run) agent.run(run);
      next++;
      if (next >= runs.length) {
        clearInterval(timer);
        resolve();
      }
    }, everyMs);
  });
  return { started: () => Math.min(next, runs.length), done };
}

/** The agent working until told to stop (a fault of unknown length): one new session every `everyMs`. */
export function openLoad(agent: SimulatedAgent, prefix: string, everyMs: number): { runs: AgentRun[]; stop: () => void } {
  const runs: AgentRun[] = [];
  const timer = setInterval(() => {
    const kind = kinds[runs.length % kinds.length] as (typeof kinds)[number];
    const run = agentRuns[kind](`${prefix}-${kind}-${runs.length}`);
    runs.push(run);
    agent.run(run);
  }, everyMs);
  return { runs, stop: () => clearInterval(timer) };
}

/** One session's figures: span rows (no FINAL), then under FINAL its session rows, verdicts, scores, review items. */
export interface SessionFigures {
  spans: number;
  sessionRows: number;
  revisions: number[];
  spanCount: number;
  verdicts: number;
  scores: number;
  evaluators: number;
  reviewItems: number;
}

export interface SessionCounts {
  /** Span rows (without FINAL unless asked), and distinct span ids among them. */
  spanRows: number;
  spanIds: number;
  perSession: Map<string, SessionFigures>;
  /** Rows before FINAL collapses them (redeliveries not merged yet): informative only. */
  raw: { sessions: number; verdicts: number; scores: number; reviewItems: number };
}

/**
 * `spansFinal`: span rows under FINAL, for a fault where the exporter sends a batch again (a new
 * message, which insert tokens cannot drop: its copy stays until a merge folds it).
 */
export async function sessionCounts(adminUrl: string, prefix: string, spansFinal = false): Promise<SessionCounts> {
  const like = `session_key LIKE '${prefix}-%'`;
  const spansFrom = spansFinal ? 'spans FINAL' : 'spans';
  const [spans] = await adminSql(adminUrl, `SELECT count() AS n, uniqExact(span_id) AS ids FROM ${spansFrom} WHERE ${like}`);
  const spanRows = await adminSql(adminUrl, `SELECT session_key AS k, count() AS n FROM ${spansFrom} WHERE ${like} GROUP BY k`);
  const sessions = await adminSql(adminUrl, `SELECT session_key AS k, count() AS n, groupArray(revision) AS revisions, max(span_count) AS span_count FROM sessions FINAL WHERE ${like} GROUP BY k`);
  const verdicts = await adminSql(adminUrl, `SELECT session_key AS k, count() AS n FROM verdicts FINAL WHERE ${like} GROUP BY k`);
  const scores = await adminSql(adminUrl, `SELECT session_key AS k, count() AS n, uniqExact(evaluator_id) AS evaluators FROM scores FINAL WHERE ${like} GROUP BY k`);
  const items = await adminSql(adminUrl, `SELECT session_key AS k, count() AS n FROM review_items FINAL WHERE ${like} GROUP BY k`);
  const [raw] = await adminSql(
    adminUrl,
    `SELECT (SELECT count() FROM sessions WHERE ${like}) AS sessions, (SELECT count() FROM verdicts WHERE ${like}) AS verdicts, (SELECT count() FROM scores WHERE ${like}) AS scores, (SELECT count() FROM review_items WHERE ${like}) AS items`,
  );
  const perSession: SessionCounts['perSession'] = new Map();
  const entry = (key: unknown) => {
    const k = String(key);
    let e = perSession.get(k);
    if (!e) perSession.set(k, (e = { spans: 0, sessionRows: 0, revisions: [], spanCount: 0, verdicts: 0, scores: 0, evaluators: 0, reviewItems: 0 }));
    return e;
  };
  for (const r of spanRows) entry(r.k).spans = Number(r.n);
  for (const r of sessions) Object.assign(entry(r.k), { sessionRows: Number(r.n), revisions: (r.revisions as unknown[]).map(Number).sort(), spanCount: Number(r.span_count) });
  for (const r of verdicts) entry(r.k).verdicts = Number(r.n);
  for (const r of scores) Object.assign(entry(r.k), { scores: Number(r.n), evaluators: Number(r.evaluators) });
  for (const r of items) entry(r.k).reviewItems = Number(r.n);
  return {
    spanRows: Number(spans?.n),
    spanIds: Number(spans?.ids),
    perSession,
    raw: { sessions: Number(raw?.sessions), verdicts: Number(raw?.verdicts), scores: Number(raw?.scores), reviewItems: Number(raw?.items) },
  };
}

/** Every session stored, scored and (when broken) queued for review — the end state a fault must not change. */
export function complete(counts: SessionCounts, sessions: readonly string[], acknowledgedSpans: number, evaluators: number): boolean {
  return (
    counts.spanRows >= acknowledgedSpans &&
    sessions.every((key) => {
      const e = counts.perSession.get(key);
      return e !== undefined && e.sessionRows >= 1 && e.verdicts >= 1 && e.scores >= evaluators && (!isBroken(key) || e.reviewItems >= 1);
    })
  );
}

/** Per-session figures for the report line: how many sessions had n of each. */
export function summary(counts: SessionCounts, acknowledged: number): string {
  const histogram = (pick: (e: SessionFigures) => number) => {
    const h = new Map<number, number>();
    for (const e of counts.perSession.values()) h.set(pick(e), (h.get(pick(e)) ?? 0) + 1);
    return [...h].sort((a, b) => a[0] - b[0]).map(([n, sessions]) => `${n}×${sessions}`).join(' ');
  };
  return (
    `spans acknowledged ${acknowledged}, span rows ${counts.spanRows}, distinct ids ${counts.spanIds}; sessions ${counts.perSession.size}; ` +
    `per session (value×sessions) — session rows ${histogram((e) => e.sessionRows)}, verdicts ${histogram((e) => e.verdicts)}, scores ${histogram((e) => e.scores)}, review items ${histogram((e) => e.reviewItems)}; ` +
    `rows before FINAL: sessions ${counts.raw.sessions}, verdicts ${counts.raw.verdicts}, scores ${counts.raw.scores}, review items ${counts.raw.reviewItems}`
  );
}

export { spanCount };
