import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClickHouse, queryReadOnly, type ClickHouse } from '../src/index.js';
import { makeTempDir } from './temp-dir.js';

const temp = makeTempDir('readonly');
let ch: ClickHouse;

beforeAll(async () => {
  ch = await createClickHouse({ dataPath: join(temp.path, 'data') });
  await ch.client.command({ query: 'CREATE TABLE IF NOT EXISTS items (id UInt64, name String, tags Array(String)) ENGINE = MergeTree ORDER BY id' });
  await ch.client.insert({
    table: 'items',
    values: [
      { id: 1, name: 'a', tags: ['x'] },
      { id: 2, name: 'b', tags: [] },
    ],
    format: 'JSONEachRow',
  });
});

afterAll(async () => {
  await ch.close();
  temp.remove();
});

async function count(): Promise<string | undefined> {
  const rows = await (await ch.client.query({ query: 'SELECT count() AS n FROM items', format: 'JSONEachRow' })).json<{ n: string }>();
  return rows[0]?.n;
}

describe('queryReadOnly', () => {
  it('returns rows with column names and types in query order, from the default database', async () => {
    const result = await queryReadOnly(ch, 'SELECT name, id, tags FROM items ORDER BY id');
    expect(result.columns).toEqual([
      { name: 'name', type: 'String' },
      { name: 'id', type: 'UInt64' },
      { name: 'tags', type: 'Array(String)' },
    ]);
    expect(result.rows).toEqual([
      { name: 'a', id: '1', tags: ['x'] },
      { name: 'b', id: '2', tags: [] },
    ]);
  });

  it('returns the columns of an empty result', async () => {
    const result = await queryReadOnly(ch, 'SELECT id FROM items WHERE id > 100;');
    expect(result).toEqual({ columns: [{ name: 'id', type: 'UInt64' }], rows: [] });
  });

  it('binds query parameters', async () => {
    const result = await queryReadOnly(ch, 'SELECT name FROM items WHERE id = {id:UInt64}', { queryParams: { id: 2 } });
    expect(result.rows).toEqual([{ name: 'b' }]);
  });

  it.each([
    ['INSERT', 'INSERT INTO items (id, name) VALUES (3, \'c\')'],
    ['INSERT INTO FUNCTION', "INSERT INTO FUNCTION file('ro-probe.csv', 'CSV') SELECT 1"],
    ['DROP', 'DROP TABLE items'],
    ['ALTER', 'ALTER TABLE items DELETE WHERE 1'],
    ['CREATE', 'CREATE TABLE evil (x UInt8) ENGINE = Memory'],
    ['CREATE TEMPORARY', 'CREATE TEMPORARY TABLE evil (x UInt8)'],
    ['TRUNCATE', 'TRUNCATE TABLE items'],
    ['OPTIMIZE', 'OPTIMIZE TABLE items FINAL'],
    ['SET readonly', 'SET readonly = 0'],
    ['SETTINGS clause', 'SELECT 1 SETTINGS readonly = 0'],
  ])('refuses %s with READ_ONLY_QUERY', async (_kind, sql) => {
    await expect(queryReadOnly(ch, sql)).rejects.toMatchObject({ code: 'READ_ONLY_QUERY', message: expect.stringMatching(/read-only/) as unknown });
    expect(await count()).toBe('2');
  });

  it('refuses several statements before running any', async () => {
    await expect(queryReadOnly(ch, 'SELECT 1; DROP TABLE items')).rejects.toMatchObject({ code: 'READ_ONLY_QUERY', message: expect.stringMatching(/one statement/) as unknown });
    expect(await count()).toBe('2');
  });

  it('refuses INTO OUTFILE, which chDB would otherwise write in readonly mode', async () => {
    const target = join(temp.path, 'out.csv');
    await expect(queryReadOnly(ch, `SELECT * FROM items INTO OUTFILE '${target}'`)).rejects.toMatchObject({ code: 'READ_ONLY_QUERY' });
    expect(existsSync(target)).toBe(false);
  });

  it('does not leave the client read-only afterwards', async () => {
    await expect(queryReadOnly(ch, 'DROP TABLE items')).rejects.toMatchObject({ code: 'READ_ONLY_QUERY' });
    await ch.client.insert({ table: 'items', values: [{ id: 3, name: 'c', tags: [] }], format: 'JSONEachRow' });
    expect(await count()).toBe('3');
    await ch.client.command({ query: 'ALTER TABLE items DELETE WHERE id = 3 SETTINGS mutations_sync = 1' });
    expect(await count()).toBe('2');
  });

  it('passes other errors through unchanged', async () => {
    await expect(queryReadOnly(ch, 'SELECT * FROM missing_table')).rejects.toMatchObject({ type: 'UNKNOWN_TABLE' });
    await expect(queryReadOnly(ch, '  -- only a comment\n')).rejects.toMatchObject({ code: 'READ_ONLY_QUERY', message: 'the query is empty' });
  });
});
