import { createClickHouse, defaultMigrationsDir, runMigrations, type ClickHouse } from '@tracebar/clickhouse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertLines } from '../src/store/insert-lines.js';
import { expectDocumentedQueries } from './support/query-expectations.js';
import { loadScenario } from './support/scenario-load.js';
import { rows } from './support/store.js';

// The same schema, sink path and analyst queries against a ClickHouse server; runs only when
// one is configured (none exists on the development machine).
const url = process.env['TRACEBAR_CLICKHOUSE_URL'];
const credentials = {
  ...(process.env['TRACEBAR_CLICKHOUSE_USER'] === undefined ? {} : { username: process.env['TRACEBAR_CLICKHOUSE_USER'] }),
  ...(process.env['TRACEBAR_CLICKHOUSE_PASSWORD'] === undefined ? {} : { password: process.env['TRACEBAR_CLICKHOUSE_PASSWORD'] }),
};

describe.skipIf(url === undefined)('on a ClickHouse server (TRACEBAR_CLICKHOUSE_URL)', () => {
  const database = `tracebar_sink_test_${process.pid}_${Date.now()}`;
  let ch: ClickHouse;

  beforeAll(async () => {
    ch = await createClickHouse({ url, database, ...credentials });
  });

  afterAll(async () => {
    await ch.client.command({ query: `DROP DATABASE IF EXISTS ${database}` });
    await ch.close();
  });

  it('applies the migrations once', async () => {
    expect((await runMigrations(ch, { dir: defaultMigrationsDir })).applied.length).toBeGreaterThanOrEqual(9);
    expect((await runMigrations(ch, { dir: defaultMigrationsDir })).applied).toEqual([]);
  });

  it('drops a repeated insert deduplication token', async () => {
    const line = `{"tenant":"dedup","session_key":"s","trace_id":"t","span_id":"x","start_time":${BigInt(Date.now()) * 1_000_000n}}`;
    for (let i = 0; i < 3; i++) await insertLines(ch.client, 'spans', [line], 'server-token');
    expect(await rows(ch, "SELECT count() AS n FROM spans WHERE tenant = 'dedup'")).toEqual([{ n: '1' }]);
  });

  it('takes the scenario through the sink and answers every documented query as on chDB', async () => {
    await loadScenario(ch);
    expect(await expectDocumentedQueries(ch)).toBeGreaterThanOrEqual(12);
  });
});
