// Issue 7's faults, in Kafka mode, each its own test: the agent (OpenTelemetry SDK over OTLP/HTTP)
// keeps exporting while a broker restarts, a sessionizer, scorer or sink process is killed with -9
// and restarted, or the store refuses writes for a while. Each test counts spans acknowledged
// against span rows stored (no FINAL, distinct span ids) and, per session, session rows, verdicts,
// scores and review items: none missing, none doubled.
//
// What "doubled" can mean under FINAL, given each ReplacingMergeTree key (FINAL folds rows with an
// equal key, so a redelivered row with the same key is folded and only a NEW key is a double):
// - sessions (tenant, session_key, revision): a second revision for a session that had one, i.e.
//   a restarted sessionizer reopening or splitting it — asserted: one row, revision 1, all spans;
// - verdicts (..., objective_version, session_key, session_revision): a verdict for a revision
//   that should not exist or under another objective version — asserted: one per session;
// - scores (... session_key, session_revision, evaluator_id): more than one per evaluator —
//   asserted: as many rows as distinct evaluators, the same number for every session;
// - review_items (tenant, session_key, session_revision, objective_id, objective_version): a second
//   item for a session — asserted: exactly one per broken session, none for a clean one.
// Span rows are counted WITHOUT FINAL: the sink deduplicates redelivered batches by insert token,
// so a span stored twice would show as a row more than there are distinct span ids.
//
// chDB locks its folder to one process and a process opens one folder at a time: the parts run in
// this process share `storeDir` (each test stops them before the next starts); a part run as a
// process with a store (scorer, sink) has its own folder.
import path from 'node:path';
import { Admin } from '@platformatic/kafka';
import { createClickHouse, type ClickHouse } from '@tracebar/clickhouse';
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest';
import {
  AckedAgent,
  complete,
  faultRuns,
  isBroken,
  metric,
  openLoad,
  runEnv,
  runTopics,
  sessionCounts,
  spanCount,
  spawnPart,
  sql,
  startInProcess,
  steadyLoad,
  summary,
  tempDir,
  waitFor,
  type Part,
  type SessionCounts,
} from './support/fault-pipeline.js';
import { createPrivateBroker, type PrivateBroker } from '../../../test/private-broker.js';
import type { AgentRun } from './support/simulated-agent.js';

const storeDir = tempDir('store');
const cleanups: (() => Promise<unknown>)[] = [];
const report: string[] = [];

afterEach(async () => {
  // Last started, first stopped: intake before the stages behind it, the broker last.
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
}, 120_000);

afterAll(() => {
  console.info(`faults on Kafka:\n${report.join('\n')}`);
});

function track<T extends { stop(): Promise<unknown> }>(part: T): T {
  cleanups.push(() => part.stop());
  return part;
}

function sharedBrokerRun(label: string): Record<string, string> {
  const suffix = `${label}-${Date.now()}-${process.pid}`;
  const brokers = inject('kafkaBrokers');
  cleanups.push(async () => {
    const admin = new Admin({ clientId: `faults-${label}`, bootstrapBrokers: [brokers] });
    await admin.deleteTopics({ topics: runTopics(suffix) }).catch(() => undefined);
    await admin.close();
  });
  return runEnv(brokers, suffix);
}

/** Waits for the end state, lets late redeliveries land, then counts. */
async function settled(adminUrl: string, prefix: string, sessions: readonly string[], acknowledged: number, spansFinal = false): Promise<SessionCounts> {
  let counts: SessionCounts | undefined;
  await waitFor(
    `every session of ${prefix} stored and scored`,
    async () => {
      counts = await sessionCounts(adminUrl, prefix, spansFinal);
      const evaluators = Math.max(0, ...[...counts.perSession.values()].map((e) => e.evaluators));
      return evaluators >= 5 && complete(counts, sessions, acknowledged, evaluators);
    },
    120_000,
    250,
  );
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  return sessionCounts(adminUrl, prefix, spansFinal);
}

/** Sessions whose every span was acknowledged: whole, once per revision, scored once, queued once if broken. */
function expectWhole(counts: SessionCounts, runs: readonly AgentRun[]): void {
  const evaluators = Math.max(...[...counts.perSession.values()].map((e) => e.evaluators));
  expect(evaluators).toBeGreaterThanOrEqual(5);
  const actual = Object.fromEntries(runs.map((run) => [run.session, counts.perSession.get(run.session)]));
  const expected = Object.fromEntries(
    runs.map((run) => [
      run.session,
      {
        spans: spanCount(run),
        sessionRows: 1,
        revisions: [1],
        spanCount: spanCount(run),
        verdicts: 1,
        scores: evaluators,
        evaluators,
        reviewItems: isBroken(run.session) ? 1 : 0,
      },
    ]),
  );
  expect(actual).toEqual(expected);
}

describe('faults on Kafka: nothing acknowledged is lost, nothing double-counted', () => {
  it('broker restart during load (a private broker): the agent keeps exporting, acknowledged spans all stored', async () => {
    const broker: PrivateBroker = await createPrivateBroker('faults');
    cleanups.push(() => broker.destroy());
    await broker.start();
    const env = { ...runEnv(broker.brokers.join(','), `restart-${Date.now()}`), TRACEBAR_BUS__PUBLISH_TIMEOUT_MS: '2s' };
    const pipeline: Part = track(await startInProcess('pipeline', env, ['ingest', 'sessionizer', 'scorer', 'sink'], storeDir));

    const agent = new AckedAgent(pipeline.otlpHttp ?? '');
    const load = openLoad(agent, 'f1', 100);
    const runs = load.runs;
    await waitFor('sessions flowing before the restart', async () => (await metric(pipeline.adminUrl, 'tracebar_sink_rows_total')) > 0 && runs.length >= 10, 60_000);
    const refusedBefore = await metric(pipeline.adminUrl, 'tracebar_ingest_refused_spans_total');
    const stoppedAt = runs.length;
    const stopping = Date.now();
    await broker.stop();
    await waitFor('a retryable refusal while the broker is down', async () => (await metric(pipeline.adminUrl, 'tracebar_ingest_refused_spans_total')) > refusedBefore, 30_000);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await broker.start();
    const downMs = Date.now() - stopping;
    const restartedAt = runs.length;
    // The agent keeps working a while after the restart too.
    await waitFor('sessions after the restart', () => runs.length >= restartedAt + 15, 30_000);
    load.stop();
    await agent.flush();
    await agent.shutdown();
    // Sessions started while the broker was down, and after.
    expect(restartedAt).toBeGreaterThan(stoppedAt);
    expect(await metric(pipeline.adminUrl, 'tracebar_ingest_rejected_spans_total')).toBe(0);

    const acknowledged = agent.acknowledgedIds();
    const owed = runs.filter((run) => (agent.acknowledged.get(run.session)?.size ?? 0) === spanCount(run));
    const counts = await settled(
      pipeline.adminUrl,
      'f1',
      owed.map((run) => run.session),
      acknowledged.size,
      true,
    );
    const storedIds = new Set((await sql(pipeline.adminUrl, "SELECT span_id FROM spans WHERE session_key LIKE 'f1-%'")).map((r) => String(r.span_id)));
    // Every acknowledged span stored; beyond them only spans of failed exports (published before
    // the exporter gave up: at-least-once); no span counted twice. An export whose answer the
    // restart lost is sent again by the exporter: a new message, so the insert tokens cannot drop
    // it and its copy stays until a merge folds it; FINAL (docs/queries.md) counts each span once,
    // and the counts here are under FINAL.
    expect([...acknowledged].filter((id) => !storedIds.has(id))).toEqual([]);
    expect([...storedIds].filter((id) => !acknowledged.has(id) && !agent.failed.has(id))).toEqual([]);
    expect(counts.spanRows).toBe(counts.spanIds);
    expect(counts.spanIds).toBe(storedIds.size);
    // Sessions all of whose spans were acknowledged are whole; most are (the exporter retried 503s).
    expect(owed.length).toBeGreaterThan(runs.length / 2);
    expectWhole(counts, owed);
    // A session that lost spans to a failed export: never more than one row per revision, and its
    // last revision carries exactly the spans stored for it.
    for (const run of runs.filter((r) => !owed.includes(r))) {
      const e = counts.perSession.get(run.session);
      if (!e) continue;
      expect(new Set(e.revisions).size, run.session).toBe(e.revisions.length);
      if (e.sessionRows > 0) expect(e.spanCount, run.session).toBe(e.spans);
    }
    report.push(
      `1. broker restart: ${summary(counts, acknowledged.size)}; exports ok ${agent.exports.succeeded}, failed ${agent.exports.failed} (${agent.failed.size} spans); sessions whole ${owed.length}/${runs.length} (${stoppedAt} started before the broker stopped, ${restartedAt - stoppedAt} while it was stopping, down or starting: ${downMs} ms); ` +
        `refused spans ${await metric(pipeline.adminUrl, 'tracebar_ingest_refused_spans_total')}; span rows before FINAL ${String((await sql(pipeline.adminUrl, "SELECT count() AS n FROM spans WHERE session_key LIKE 'f1-%'"))[0]?.n)}`,
    );
  }, 240_000);

  it('kill -9 of the sessionizer process mid-load, restarted in the same group: every session whole, once per revision', async () => {
    const env = sharedBrokerRun('sessionizer');
    const rest = track(await startInProcess('ingest+scorer+sink', env, ['ingest', 'scorer', 'sink'], storeDir));
    const first = await spawnPart('sessionizer-1', env, ['sessionizer'], tempDir('sessionizer'));
    cleanups.push(() => first.kill9());

    const runs = faultRuns('f2', 60);
    const agent = new AckedAgent(rest.otlpHttp ?? '');
    const load = steadyLoad(agent, runs, 80);
    await waitFor('the first sessions closed', async () => (await metric(first.adminUrl, 'tracebar_sessionizer_sessions_closed_total')) >= 4, 60_000, 50);
    const consumedBefore = await metric(first.adminUrl, 'tracebar_sessionizer_spans_consumed_total');
    const killed = await first.kill9();
    const killedAt = load.started();
    expect(killed.signal).toBe('SIGKILL');
    expect(killedAt).toBeLessThan(runs.length);
    const second = track(await spawnPart('sessionizer-2', env, ['sessionizer'], tempDir('sessionizer')));
    await load.done;
    await agent.flush();
    await agent.shutdown();
    expect(agent.failedSpans).toBe(0);
    const expectedSpans = runs.reduce((n, run) => n + spanCount(run), 0);
    expect(agent.acknowledgedSpans).toBe(expectedSpans);

    const counts = await settled(
      rest.adminUrl,
      'f2',
      runs.map((run) => run.session),
      agent.acknowledgedSpans,
    );
    expect(counts.spanRows).toBe(agent.acknowledgedSpans);
    expect(counts.spanIds).toBe(agent.acknowledgedSpans);
    expectWhole(counts, runs);
    const reread = await metric(second.adminUrl, 'tracebar_sessionizer_spans_consumed_total');
    // The replacement read again what the dead one had not committed: more than the remainder.
    expect(consumedBefore + reread).toBeGreaterThanOrEqual(expectedSpans);
    report.push(`2. kill -9 sessionizer (after ${killedAt}/${runs.length} sessions started): ${summary(counts, agent.acknowledgedSpans)}; spans consumed by the killed one ≥ ${consumedBefore}, by its replacement ${reread}`);
  }, 180_000);

  it('kill -9 of the scorer process mid-batch, restarted in the same group: one verdict, one score per evaluator, one review item', async () => {
    const env = sharedBrokerRun('scorer');
    const rest = track(await startInProcess('ingest+sessionizer+sink', env, ['ingest', 'sessionizer', 'sink'], storeDir));
    // The scorer records objective versions in a store: its own folder, kept across the restart.
    const scorerDir = tempDir('scorer');
    const first = await spawnPart('scorer-1', env, ['scorer'], scorerDir);
    cleanups.push(() => first.kill9());

    const runs = faultRuns('f3', 60);
    const agent = new AckedAgent(rest.otlpHttp ?? '');
    const load = steadyLoad(agent, runs, 80);
    await waitFor('the first sessions scored', async () => (await metric(first.adminUrl, 'tracebar_scorer_sessions_scored_total')) >= 4, 60_000, 50);
    const scoredBefore = await metric(first.adminUrl, 'tracebar_scorer_sessions_scored_total');
    const killed = await first.kill9();
    const killedAt = load.started();
    expect(killed.signal).toBe('SIGKILL');
    expect(killedAt).toBeLessThan(runs.length);
    const second = track(await spawnPart('scorer-2', env, ['scorer'], scorerDir));
    await load.done;
    await agent.flush();
    await agent.shutdown();
    expect(agent.failedSpans).toBe(0);

    const counts = await settled(
      rest.adminUrl,
      'f3',
      runs.map((run) => run.session),
      agent.acknowledgedSpans,
    );
    expect(counts.spanRows).toBe(agent.acknowledgedSpans);
    expect(counts.spanIds).toBe(agent.acknowledgedSpans);
    expectWhole(counts, runs);
    const rescored = await metric(second.adminUrl, 'tracebar_scorer_sessions_scored_total');
    // Mid-batch: the killed scorer had scored sessions it had not committed, so they were scored
    // again (and their rows folded under FINAL above).
    expect(scoredBefore + rescored).toBeGreaterThan(runs.length);
    report.push(`3. kill -9 scorer (after ${killedAt}/${runs.length} sessions started): ${summary(counts, agent.acknowledgedSpans)}; sessions scored by the killed one ≥ ${scoredBefore}, by its replacement ${rescored}`);
  }, 180_000);

  it('kill -9 of the sink process mid-batch, restarted on its chDB folder: every span once, every session row once', async () => {
    // `tracebar sink` alone is the process killed, on its own chDB folder; the scorer runs here and
    // records objective versions in this process's folder, so no two processes share a folder. The
    // restarted sink answers the SQL (its folder stays locked to it).
    const env = sharedBrokerRun('sink');
    const rest = track(await startInProcess('ingest+sessionizer+scorer', env, ['ingest', 'sessionizer', 'scorer'], storeDir));
    const sinkDir = tempDir('sink');
    const first = await spawnPart('sink-1', env, ['sink'], sinkDir);
    cleanups.push(() => first.kill9());

    const runs = faultRuns('f4', 60);
    const agent = new AckedAgent(rest.otlpHttp ?? '');
    const load = steadyLoad(agent, runs, 80);
    await waitFor('the first rows stored', async () => (await metric(first.adminUrl, 'tracebar_sink_rows_total')) >= 40, 60_000, 50);
    const rowsBefore = await metric(first.adminUrl, 'tracebar_sink_rows_total');
    const consumedBefore = await metric(first.adminUrl, 'tracebar_sink_consumed_records_total');
    const killed = await first.kill9();
    const killedAt = load.started();
    expect(killed.signal).toBe('SIGKILL');
    expect(killedAt).toBeLessThan(runs.length);
    const second = track(await spawnPart('sink-2', env, ['sink'], sinkDir));
    await load.done;
    await agent.flush();
    await agent.shutdown();
    expect(agent.failedSpans).toBe(0);

    const counts = await settled(
      second.adminUrl,
      'f4',
      runs.map((run) => run.session),
      agent.acknowledgedSpans,
    );
    expect(counts.spanRows).toBe(agent.acknowledgedSpans);
    expect(counts.spanIds).toBe(agent.acknowledgedSpans);
    expectWhole(counts, runs);
    const consumedAgain = await metric(second.adminUrl, 'tracebar_sink_consumed_records_total');
    const replayed = await metric(second.adminUrl, 'tracebar_sink_replayed_ranges_total');
    report.push(`4. kill -9 sink (after ${killedAt}/${runs.length} sessions started, ≥ ${rowsBefore} rows stored): ${summary(counts, agent.acknowledgedSpans)}; records consumed by the killed sink ≥ ${consumedBefore}, by the restarted one ${consumedAgain}, ranges it rebuilt from the insert log ${replayed}`);
  }, 180_000);

  it('store refusing writes for a while: the sink pauses, readiness false, then resumes with nothing lost', async () => {
    // A real refusal, no fake client: ClickHouse refuses inserts into a table holding more active
    // parts in a partition than `parts_to_throw_insert` (TOO_MANY_PARTS, code 252, what an
    // overloaded server answers). Lowering it to 1 on the tables the sink writes makes every insert
    // fail; resetting it ends the outage. The check counts existing parts, so the outage starts
    // after a first wave has given every table its first part. What it cannot show: ClickHouse
    // unreachable altogether (no server here; `ping` still answers, so the sink probes, resumes and
    // pauses again while inserts keep failing).
    const env = sharedBrokerRun('store');
    const pipeline = track(await startInProcess('pipeline', env, ['ingest', 'sessionizer', 'scorer', 'sink'], storeDir));
    // Same folder, same process: a second client on the engine the pipeline's store uses.
    const control: ClickHouse = await createClickHouse({ dataPath: path.join(storeDir, 'chdb'), database: 'tracebar', application: 'faults-test' });
    cleanups.push(() => control.close());
    const tables = ['spans', 'sessions', 'verdicts', 'scores', 'review_items', 'sink_batches'];
    const refuse = async (on: boolean) => {
      for (const table of tables) {
        await control.client.command({
          query: on ? `ALTER TABLE ${table} MODIFY SETTING parts_to_throw_insert = 1, parts_to_delay_insert = 1` : `ALTER TABLE ${table} RESET SETTING parts_to_throw_insert, parts_to_delay_insert`,
        });
      }
    };
    cleanups.push(() => refuse(false));

    const agent = new AckedAgent(pipeline.otlpHttp ?? '');
    const before = faultRuns('f5a', 8);
    for (const run of before) agent.run(run);
    await agent.flush();
    const beforeSpans = before.reduce((n, run) => n + spanCount(run), 0);
    await settled(
      pipeline.adminUrl,
      'f5a',
      before.map((run) => run.session),
      beforeSpans,
    );
    const [parts] = await sql(pipeline.adminUrl, `SELECT groupUniqArray(table) AS tables FROM system.parts WHERE database = currentDatabase() AND active AND table IN (${tables.map((t) => `'${t}'`).join(',')})`);
    expect((parts?.tables as string[]).sort()).toEqual([...tables].sort());

    await refuse(true);
    const refusedSince = Date.now();
    const retriesBefore = await metric(pipeline.adminUrl, 'tracebar_sink_retries_total');
    const runs = faultRuns('f5', 40);
    const load = steadyLoad(agent, runs, 40);
    let sawPaused = false;
    let sawNotReady = false;
    await waitFor(
      'the sink paused and not ready',
      async () => {
        sawPaused ||= (await metric(pipeline.adminUrl, 'tracebar_sink_paused')) === 1;
        const readyz = await fetch(`${pipeline.adminUrl}/readyz`);
        const body = (await readyz.json()) as { checks: Record<string, { ready: boolean }> };
        sawNotReady ||= readyz.status !== 200 && body.checks.sink?.ready === false;
        return sawPaused && sawNotReady;
      },
      60_000,
      25,
    );
    await load.done;
    await agent.flush();
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    // Nothing of the second wave reached the store while it refused; the sink kept retrying.
    const [during] = await sql(pipeline.adminUrl, "SELECT (SELECT count() FROM spans WHERE session_key LIKE 'f5-%') AS spans, (SELECT count() FROM sessions WHERE session_key LIKE 'f5-%') AS sessions");
    expect(during).toEqual({ spans: '0', sessions: '0' });
    const retriesDuring = (await metric(pipeline.adminUrl, 'tracebar_sink_retries_total')) - retriesBefore;
    expect(retriesDuring).toBeGreaterThan(0);

    await refuse(false);
    const refusedMs = Date.now() - refusedSince;
    await agent.shutdown();
    expect(agent.failedSpans).toBe(0);
    const expectedSpans = runs.reduce((n, run) => n + spanCount(run), 0);
    const counts = await settled(
      pipeline.adminUrl,
      'f5',
      runs.map((run) => run.session),
      expectedSpans,
    );
    expect(counts.spanRows).toBe(expectedSpans);
    expect(counts.spanIds).toBe(expectedSpans);
    expectWhole(counts, runs);
    await waitFor('ready again', async () => (await fetch(`${pipeline.adminUrl}/readyz`)).status === 200, 30_000);
    expect(await metric(pipeline.adminUrl, 'tracebar_sink_paused')).toBe(0);
    report.push(`5. store refusing writes (TOO_MANY_PARTS) for ${refusedMs} ms: ${summary(counts, expectedSpans)}; sink retries while refused ${retriesDuring}`);
  }, 180_000);
});
