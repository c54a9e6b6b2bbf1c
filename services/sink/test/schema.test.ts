import { join } from 'node:path';
import { createClickHouse, defaultMigrationsDir, loadMigrationFiles, runMigrations, type ClickHouse } from '@tracebar/clickhouse';
import { configSchema } from '@tracebar/config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyMergeSelector, applyRetention, mergeSelectorOf, ttlSeconds } from '../src/index.js';
import { insertLines } from '../src/store/insert-lines.js';
import { quietLogger } from './support/sink-harness.js';
import { makeTempDir, rows } from './support/store.js';

const temp = makeTempDir('schema');
const dataPath = join(temp.path, 'data');
let ch: ClickHouse;

beforeAll(async () => {
  ch = await createClickHouse({ dataPath, database: 'schema_test' });
});

afterAll(async () => {
  await ch.close();
  temp.remove();
});

const tables = ['spans', 'sessions', 'verdicts', 'scores', 'review_items', 'labels', 'objectives', 'regression_cases', 'alerts', 'sink_batches', 'sessions_latest', 'labels_current'];

describe('migrations', () => {
  it('create every table and view, then apply nothing on the next runs', async () => {
    const first = await runMigrations(ch, { dir: defaultMigrationsDir });
    expect(first.applied.length).toBeGreaterThanOrEqual(9);
    expect((await runMigrations(ch, { dir: defaultMigrationsDir })).applied).toEqual([]);
    const present = await rows<{ name: string }>(ch, 'SELECT name FROM system.tables WHERE database = currentDatabase() ORDER BY name');
    expect(present.map((r) => r.name)).toEqual(expect.arrayContaining(tables));
  });

  it('hold statements that are each safe to run again (a migration interrupted halfway restarts)', async () => {
    for (const file of await loadMigrationFiles(defaultMigrationsDir)) {
      for (const statement of file.statements) await ch.client.command({ query: statement.sql });
    }
    const present = await rows<{ n: string }>(ch, `SELECT count() AS n FROM system.tables WHERE database = currentDatabase() AND name IN {names:Array(String)}`, { names: tables });
    expect(present).toEqual([{ n: String(tables.length) }]);
  });

  it('give every data table a deduplication window, and time-series tables a daily partition and TTL', async () => {
    const engines = await rows<{ name: string; engine_full: string; partition_key: string }>(
      ch,
      "SELECT name, engine_full, partition_key FROM system.tables WHERE database = currentDatabase() AND engine LIKE '%MergeTree'",
    );
    const byName = new Map(engines.map((e) => [e.name, e]));
    for (const name of ['spans', 'sessions', 'verdicts', 'scores', 'review_items', 'labels', 'regression_cases', 'alerts']) {
      expect(byName.get(name)?.engine_full, name).toMatch(/ReplacingMergeTree.*non_replicated_deduplication_window = 10000/);
    }
    for (const name of ['spans', 'sessions', 'verdicts', 'scores', 'review_items', 'alerts']) {
      expect(byName.get(name)?.partition_key, name).toMatch(/^toDate\(/);
      expect(ttlSeconds(byName.get(name)?.engine_full ?? ''), name).toBeGreaterThan(0);
    }
    expect(ttlSeconds(byName.get('labels')?.engine_full ?? '')).toBe(0);
    const indexes = await rows<{ name: string; type: string }>(ch, "SELECT name, type FROM system.data_skipping_indices WHERE database = currentDatabase() AND table = 'spans' ORDER BY name");
    expect(indexes).toEqual([
      { name: 'idx_span_id', type: 'bloom_filter' },
      { name: 'idx_trace_id', type: 'bloom_filter' },
    ]);
  });
});

describe('chDB insert deduplication (what the sink relies on)', () => {
  const line = (id: string) => `{"tenant":"t","session_key":"s","trace_id":"tr","span_id":"${id}","start_time":${BigInt(Date.now()) * 1_000_000n}}`;

  it('drops a repeated insert token on tables with non_replicated_deduplication_window, and only there', async () => {
    await ch.client.command({ query: 'CREATE TABLE IF NOT EXISTS spans_no_window AS spans ENGINE = MergeTree ORDER BY (tenant, span_id)' });
    for (const table of ['spans', 'spans_no_window'] as const) {
      for (let i = 0; i < 3; i++) await insertLines(ch.client, table as 'spans', [line('a'), line('b')], 'token-1');
      // Same token, other rows: dropped too (the token, not the content, is the identity).
      await insertLines(ch.client, table as 'spans', [line('c')], 'token-1');
      await insertLines(ch.client, table as 'spans', [line('d')], 'token-2');
    }
    expect(await rows(ch, "SELECT count() AS n FROM spans WHERE tenant = 't'")).toEqual([{ n: '3' }]);
    expect(await rows(ch, "SELECT count() AS n FROM spans_no_window WHERE tenant = 't'")).toEqual([{ n: '8' }]);
  });

  it('remembers tokens across a close and reopen of the data folder', async () => {
    await insertLines(ch.client, 'spans', [line('e')], 'token-reopen');
    await ch.close();
    ch = await createClickHouse({ dataPath, database: 'schema_test' });
    await insertLines(ch.client, 'spans', [line('e')], 'token-reopen');
    expect(await rows(ch, "SELECT count() AS n FROM spans WHERE span_id = 'e'")).toEqual([{ n: '1' }]);
  });

  it('reads an unquoted JSON integer into DateTime64(9) as nanoseconds (the sink writes times so)', async () => {
    await ch.client.command({ query: "CREATE TABLE IF NOT EXISTS ticks (t DateTime64(9, 'UTC')) ENGINE = Memory" });
    await ch.client.command({ query: 'INSERT INTO ticks FORMAT JSONEachRow\n{"t":1732000000123456789}\n{"t":5}' });
    expect(await rows(ch, 'SELECT toString(t) AS t FROM ticks ORDER BY t')).toEqual([{ t: '1970-01-01 00:00:00.000000005' }, { t: '2024-11-19 07:06:40.123456789' }]);
  });
});

describe('retention from config', () => {
  it('changes the TTL of tables whose retention differs, and only those, once', async () => {
    const retention = configSchema.parse({ sink: { retention: { spans: '7d', scores: '36h', labels: '400d' } } }).sink.retention;
    const changes = await applyRetention(ch.client, retention, quietLogger());
    expect(changes.map((c) => [c.table, c.toSeconds]).sort()).toEqual(
      [
        ['labels', 400 * 86_400],
        ['scores', 36 * 3_600],
        ['spans', 7 * 86_400],
        ['verdicts', 36 * 3_600],
      ].sort(),
    );
    const engines = await rows<{ name: string; engine_full: string }>(ch, "SELECT name, engine_full FROM system.tables WHERE database = currentDatabase() AND name IN ('spans', 'verdicts', 'labels', 'sessions')");
    const ttl = Object.fromEntries(engines.map((e) => [e.name, ttlSeconds(e.engine_full)]));
    expect(ttl).toEqual({ spans: 7 * 86_400, verdicts: 36 * 3_600, labels: 400 * 86_400, sessions: 90 * 86_400 });
    expect(await applyRetention(ch.client, retention, quietLogger())).toEqual([]);

    const forever = configSchema.parse({ sink: { retention: { ...retention, spans: 0 } } }).sink.retention;
    expect(await applyRetention(ch.client, forever, quietLogger())).toEqual([{ table: 'spans', fromSeconds: 7 * 86_400, toSeconds: 0 }]);
    const [spans] = await rows<{ engine_full: string }>(ch, "SELECT engine_full FROM system.tables WHERE database = currentDatabase() AND name = 'spans'");
    expect(spans?.engine_full).not.toMatch(/TTL/);
  });
});

describe('merge selector from config', () => {
  const selectors = async () =>
    Object.fromEntries(
      (await rows<{ name: string; engine_full: string }>(ch, "SELECT name, engine_full FROM system.tables WHERE database = currentDatabase() AND engine LIKE '%MergeTree'")).map((t) => [t.name, mergeSelectorOf(t.engine_full)]),
    );
  const sinkTables = ['alerts', 'labels', 'review_items', 'scores', 'sessions', 'sink_batches', 'spans', 'verdicts'];

  it('sets Trivial on every table the sink writes, once, leaves the others, and sets Simple back', async () => {
    expect(await applyMergeSelector(ch.client, 'Trivial', quietLogger())).toEqual(sinkTables);
    const after = await selectors();
    for (const table of sinkTables) expect(after[table], table).toBe('Trivial');
    expect(after.objectives).toBe('Simple');
    expect(await applyMergeSelector(ch.client, 'Trivial', quietLogger())).toEqual([]);

    // Insert tokens and TTLs are untouched by the selector.
    const line = (id: string) => `{"tenant":"m","session_key":"s","trace_id":"tr","span_id":"${id}","start_time":${BigInt(Date.now()) * 1_000_000n}}`;
    for (let i = 0; i < 2; i++) await insertLines(ch.client, 'spans', [line('m1')], 'token-merge-selector');
    expect(await rows(ch, "SELECT count() AS n FROM spans WHERE tenant = 'm'")).toEqual([{ n: '1' }]);

    expect(await applyMergeSelector(ch.client, 'Simple', quietLogger())).toEqual(sinkTables);
    expect(Object.values(await selectors()).every((s) => s === 'Simple')).toBe(true);
  });

  it('merges ten small parts into one with Trivial, and keeps every row', async () => {
    await ch.client.command({ query: 'CREATE TABLE IF NOT EXISTS trivial_parts AS spans' });
    await ch.client.command({ query: "ALTER TABLE trivial_parts MODIFY SETTING merge_selector_algorithm = 'Trivial'" });
    const line = (id: string) => `{"tenant":"p","session_key":"s","trace_id":"tr","span_id":"${id}","start_time":${BigInt(Date.now()) * 1_000_000n}}`;
    for (let i = 0; i < 10; i++) await insertLines(ch.client, 'trivial_parts' as 'spans', [line(`p${i}`)], `token-part-${i}`);
    const deadline = Date.now() + 20_000;
    let parts: { n: string; level: number }[] = [];
    while (Date.now() < deadline) {
      parts = await rows<{ n: string; level: number }>(ch, "SELECT count() AS n, max(level) AS level FROM system.parts WHERE database = currentDatabase() AND table = 'trivial_parts' AND active");
      if (parts[0]?.n === '1') break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(parts).toEqual([{ n: '1', level: 1 }]);
    expect(await rows(ch, 'SELECT count() AS n FROM trivial_parts')).toEqual([{ n: '10' }]);
  });
});
