// tracebar up survives kill -9: spans acknowledged to the exporter but not yet in the store, and
// sessions still open, are on the durable in-process bus's files; the restarted process stores
// every span once and emits the open sessions whole.
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { collect, freePort, spawnCli, waitForReady } from './cli-process.js';
import { SimulatedAgent } from './support/simulated-agent.js';
import { adminSql, type Row } from './support/admin-sql.js';


const SESSIONS = 6;
const SPANS_PER_SESSION = 25;

describe('tracebar up, killed with SIGKILL and restarted on the same data dir', () => {
  const children: ReturnType<typeof spawnCli>[] = [];
  afterAll(() => children.forEach((child) => child.kill('SIGKILL')));

  it('stores every acknowledged span once and emits the sessions that were open, whole', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'tracebar-durable-'));
    const adminPort = await freePort();
    const otlpPort = await freePort();
    const adminUrl = `http://127.0.0.1:${adminPort}`;
    const env = {
      TRACEBAR_DATA_DIR: dataDir,
      TRACEBAR_ADMIN__PORT: String(adminPort),
      TRACEBAR_OTLP__GRPC__PORT: '0',
      TRACEBAR_OTLP__HTTP__PORT: String(otlpPort),
      TRACEBAR_KAFKA_BROKERS: undefined,
      // No session closes before the kill: the restart has to rebuild all of them from the bus.
      TRACEBAR_SESSIONIZER__IDLE_GAP_MS: '6s',
      TRACEBAR_SESSIONIZER__ALLOWED_LATENESS_MS: '100ms',
    };
    const sql = (query: string) => adminSql(adminUrl, query);

    const count = async (query: string): Promise<number> => Number((await sql(query))[0]?.n);

    // First run: the sink holds its batches for a minute, so at the kill no span is in the store.
    const first = spawnCli(['up'], { ...env, TRACEBAR_SINK__FLUSH_INTERVAL_MS: '60s' });
    children.push(first);
    const firstExit = collect(first);
    await waitForReady(adminUrl, 60_000);

    const agent = new SimulatedAgent(`http://127.0.0.1:${otlpPort}`);
    const tracer = agent.provider.getTracer('durable-restart-test');
    const keys = Array.from({ length: SESSIONS }, (_, i) => `durable-${i}`);
    // Two exports per session, no end marker: every session is open at the kill.
    for (const half of [0, 1]) {
      for (const key of keys) {
        for (let i = 0; i < SPANS_PER_SESSION / 5; i++) {
          for (let j = 0; j < (half === 0 ? 2 : 3); j++) {
            const span = tracer.startSpan(`chat gpt-4o`, { attributes: { 'session.id': key, 'gen_ai.operation.name': 'chat', 'test.step': `${half}-${i}-${j}` } });
            span.end();
          }
        }
      }
      await agent.flush();
    }
    expect(agent.failedSpans).toBe(0);
    expect(agent.acknowledgedSpans).toBe(SESSIONS * SPANS_PER_SESSION);
    expect(await count("SELECT count() AS n FROM spans WHERE session_key LIKE 'durable-%'")).toBe(0);
    expect(await count("SELECT count() AS n FROM sessions WHERE session_key LIKE 'durable-%'")).toBe(0);

    first.kill('SIGKILL');
    expect((await firstExit).signal).toBe('SIGKILL');
    expect(readdirSync(path.join(dataDir, 'bus', 'topics')).length).toBeGreaterThan(0);

    const second = spawnCli(['up'], { ...env, TRACEBAR_SINK__FLUSH_INTERVAL_MS: '200ms' });
    children.push(second);
    const secondExit = collect(second);
    await waitForReady(adminUrl, 60_000);

    const until = async (what: string, query: string, done: (rows: Row[]) => boolean): Promise<Row[]> => {
      const deadline = Date.now() + 90_000;
      for (;;) {
        const rows = await sql(query);
        if (done(rows)) return rows;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(rows)}`);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    };
    const sessions = await until(
      'the open sessions, closed after the restart',
      "SELECT session_key, revision, span_count, close_reason FROM sessions FINAL WHERE session_key LIKE 'durable-%' ORDER BY session_key, revision",
      (rows) => rows.length >= SESSIONS,
    );
    expect(sessions.map((r) => [r.session_key, Number(r.revision), Number(r.span_count)])).toEqual(keys.map((key) => [key, 1, SPANS_PER_SESSION]));
    const spans = await until(
      'every acknowledged span',
      "SELECT count() AS n, uniqExact(span_id) AS distinct_spans FROM spans WHERE session_key LIKE 'durable-%'",
      (rows) => Number(rows[0]?.n) >= SESSIONS * SPANS_PER_SESSION,
    );
    expect(spans.map((r) => [Number(r.n), Number(r.distinct_spans)])).toEqual([[SESSIONS * SPANS_PER_SESSION, SESSIONS * SPANS_PER_SESSION]]);
    // Rows without FINAL: each revision was stored once, not once per run.
    expect(await count("SELECT count() AS n FROM sessions WHERE session_key LIKE 'durable-%'")).toBe(SESSIONS);

    await agent.shutdown();
    second.kill('SIGTERM');
    expect((await secondExit).code).toBe(0);
  }, 240_000);
});
