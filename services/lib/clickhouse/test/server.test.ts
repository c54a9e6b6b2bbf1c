import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClickHouse, migrationsTable, queryReadOnly, runMigrations, type ClickHouse } from '../src/index.js';
import { makeTempDir } from './temp-dir.js';

// The same behaviour against a real ClickHouse server; runs only when one is configured.
const url = process.env['TRACEBAR_CLICKHOUSE_URL'];
const credentials = {
  ...(process.env['TRACEBAR_CLICKHOUSE_USER'] === undefined ? {} : { username: process.env['TRACEBAR_CLICKHOUSE_USER'] }),
  ...(process.env['TRACEBAR_CLICKHOUSE_PASSWORD'] === undefined ? {} : { password: process.env['TRACEBAR_CLICKHOUSE_PASSWORD'] }),
};

describe.skipIf(url === undefined)('ClickHouse server (TRACEBAR_CLICKHOUSE_URL)', () => {
  const database = `tracebar_test_${process.pid}_${Date.now()}`;
  const temp = makeTempDir('server');
  const open: ClickHouse[] = [];
  let ch: ClickHouse;

  const connect = async (): Promise<ClickHouse> => {
    const c = await createClickHouse({ url, database, ...credentials });
    open.push(c);
    return c;
  };

  beforeAll(async () => {
    ch = await connect();
  });

  afterAll(async () => {
    await ch.client.command({ query: `DROP DATABASE IF EXISTS ${database}` });
    for (const c of open) await c.close();
    temp.remove();
  });

  it('creates the database and makes it the default', async () => {
    expect(ch.mode).toBe('server');
    expect(await ch.ping()).toBe(true);
    expect((await queryReadOnly(ch, 'SELECT currentDatabase() AS db')).rows).toEqual([{ db: database }]);
  });

  it('applies migrations once from four concurrent runners, then skips them', async () => {
    const dir = join(temp.path, 'migrations');
    mkdirSync(dir);
    writeFileSync(join(dir, '0001_steps.sql'), 'CREATE TABLE IF NOT EXISTS steps (name String) ENGINE = MergeTree ORDER BY name;\nINSERT INTO steps VALUES (\'0001\');\n');
    writeFileSync(join(dir, '0002_more.sql'), "INSERT INTO steps VALUES ('0002');\n");
    const runners = await Promise.all([1, 2, 3, 4].map(() => connect()));

    const summaries = await Promise.all(runners.map((r, i) => runMigrations(r, { dir, owner: `server-runner-${i}` })));

    expect(summaries.flatMap((s) => s.applied).sort()).toEqual(['0001_steps.sql', '0002_more.sql']);
    expect((await queryReadOnly(ch, 'SELECT count() AS n FROM steps')).rows).toEqual([{ n: '2' }]);
    expect((await queryReadOnly(ch, `SELECT count() AS n FROM ${migrationsTable}`)).rows).toEqual([{ n: '2' }]);
    expect((await runMigrations(ch, { dir })).applied).toEqual([]);
  });

  it('refuses writes in read-only queries', async () => {
    await expect(queryReadOnly(ch, 'DROP TABLE steps')).rejects.toMatchObject({ code: 'READ_ONLY_QUERY' });
    await expect(queryReadOnly(ch, 'CREATE TABLE evil (x UInt8) ENGINE = Memory')).rejects.toMatchObject({ code: 'READ_ONLY_QUERY' });
  });
});
