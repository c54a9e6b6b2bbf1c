import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createClickHouse, TracebarClickHouseError, type ClickHouse } from '../src/index.js';
import { makeTempDir } from './temp-dir.js';

// chDB binds one data folder per process, and vitest runs each file in its own process:
// every test in this file uses the same folder.
const temp = makeTempDir('embedded');
const dataPath = join(temp.path, 'data');
const open: ClickHouse[] = [];

async function openEmbedded(database?: string): Promise<ClickHouse> {
  const ch = await createClickHouse({ dataPath, ...(database === undefined ? {} : { database }) });
  open.push(ch);
  return ch;
}

async function rows<T>(ch: ClickHouse, query: string): Promise<T[]> {
  return (await ch.client.query({ query, format: 'JSONEachRow' })).json<T>();
}

afterAll(async () => {
  for (const ch of open) await ch.close();
  temp.remove();
});

describe('createClickHouse, embedded chDB', () => {
  it('creates the data folder and the database, and makes the database the default', async () => {
    const ch = await openEmbedded();
    expect(ch.mode).toBe('embedded');
    expect(existsSync(dataPath)).toBe(true);
    expect(await rows(ch, 'SELECT currentDatabase() AS db')).toEqual([{ db: 'tracebar' }]);

    await ch.client.command({ query: 'CREATE TABLE IF NOT EXISTS defaults_probe (x UInt8) ENGINE = MergeTree ORDER BY x' });
    expect(await rows(ch, "SELECT database FROM system.tables WHERE name = 'defaults_probe'")).toEqual([{ database: 'tracebar' }]);
  });

  it('uses the database named in the options', async () => {
    const ch = await openEmbedded('other_db');
    expect(await rows(ch, 'SELECT currentDatabase() AS db')).toEqual([{ db: 'other_db' }]);
  });

  it('refuses a database name that is not a plain identifier', async () => {
    await expect(createClickHouse({ dataPath, database: 'x; DROP' })).rejects.toMatchObject({ code: 'CLICKHOUSE_OPTIONS' });
    await expect(createClickHouse({})).rejects.toMatchObject({ code: 'CLICKHOUSE_OPTIONS' });
  });

  it('answers ping while open, false after close, and closes twice without error', async () => {
    const ch = await createClickHouse({ dataPath });
    expect(await ch.ping()).toBe(true);
    await ch.close();
    await ch.close();
    expect(await ch.ping()).toBe(false);
    await expect(ch.client.query({ query: 'SELECT 1' })).rejects.toThrow(/closed/);
  });

  it('inserts through the official client into the default database', async () => {
    const ch = await openEmbedded();
    await ch.client.command({ query: 'CREATE TABLE IF NOT EXISTS inserted (id UInt32, name String) ENGINE = MergeTree ORDER BY id' });
    const values = Array.from({ length: 10_000 }, (_, id) => ({ id, name: `n${id}` }));
    await ch.client.insert({ table: 'inserted', values, format: 'JSONEachRow' });
    expect(await rows(ch, 'SELECT count() AS n, sum(id) AS s FROM inserted')).toEqual([{ n: '10000', s: '49995000' }]);
  });

  it('keeps per-call clickhouse_settings to that call, as over HTTP', async () => {
    const ch = await openEmbedded();
    const setting = async (settings?: Record<string, string>): Promise<unknown> =>
      (await (await ch.client.query({ query: "SELECT toString(getSetting('max_threads')) AS v", format: 'JSONEachRow', ...(settings ? { clickhouse_settings: settings } : {}) })).json<{ v: string }>())[0]?.v;
    const before = await setting();
    expect(await setting({ max_threads: '3' })).toBe('3');
    expect(await setting()).toBe(before);

    await ch.client.query({ query: 'SELECT 1', clickhouse_settings: { readonly: '1' } });
    await ch.client.command({ query: 'CREATE TABLE IF NOT EXISTS after_readonly (x UInt8) ENGINE = Memory' });
    await ch.client.insert({ table: 'after_readonly', values: [{ x: 1 }], format: 'JSONEachRow', clickhouse_settings: { max_insert_threads: '2' } });
    expect(await rows(ch, 'SELECT x FROM after_readonly')).toEqual([{ x: 1 }]);
  });

  it('shares the engine between two clients at the same folder; closing one leaves the other working', async () => {
    const a = await createClickHouse({ dataPath });
    const b = await createClickHouse({ dataPath });
    await a.client.command({ query: 'CREATE TABLE IF NOT EXISTS shared (x UInt8) ENGINE = MergeTree ORDER BY x' });
    await a.client.insert({ table: 'shared', values: [{ x: 7 }], format: 'JSONEachRow' });
    expect(await rows(b, 'SELECT x FROM shared')).toEqual([{ x: 7 }]);
    await a.close();
    expect(await b.ping()).toBe(true);
    expect(await rows(b, 'SELECT x FROM shared')).toEqual([{ x: 7 }]);
    await b.close();
  });

  it('refuses a second data folder in the same process with a clear error', async () => {
    await openEmbedded();
    const other = makeTempDir('other');
    try {
      const err = await createClickHouse({ dataPath: other.path }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TracebarClickHouseError);
      expect(err).toMatchObject({ code: 'CLICKHOUSE_OPEN' });
      expect((err as Error).message).toMatch(/one per process/);
    } finally {
      other.remove();
    }
  });

  it('refuses the folder to another process while this one holds it, naming the holder', async () => {
    await openEmbedded();
    const script = fileURLToPath(new URL('./fixtures/open-embedded.ts', import.meta.url));
    const child = spawnSync(process.execPath, ['--import', 'tsx', script, dataPath], { encoding: 'utf8', timeout: 60_000 });
    const outcome = JSON.parse(child.stdout.trim().split('\n').at(-1) ?? '{}') as { ok: boolean; code?: string; message?: string };
    expect(outcome).toMatchObject({ ok: false, code: 'CLICKHOUSE_OPEN' });
    expect(outcome.message).toContain(`process ${process.pid}`);
    expect(child.stderr).toContain('Cannot lock file');
  });

  it('keeps data across close and reopen of the folder in the same process', async () => {
    const writer = await createClickHouse({ dataPath });
    await writer.client.command({ query: 'CREATE TABLE IF NOT EXISTS persisted (x UInt32) ENGINE = MergeTree ORDER BY x' });
    await writer.client.insert({ table: 'persisted', values: [{ x: 1 }, { x: 2 }], format: 'JSONEachRow' });
    await writer.close();
    // Close every client so the engine really lets go of the folder before reopening.
    for (const ch of open.splice(0)) await ch.close();

    const reader = await openEmbedded();
    expect(await rows(reader, 'SELECT sum(x) AS s FROM persisted')).toEqual([{ s: '3' }]);
  });
});
