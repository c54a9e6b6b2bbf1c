import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClickHouse, defaultMigrationsDir, runMigrations, type ClickHouse } from '@tracebar/clickhouse';

/** A fresh folder under the OS temp dir and a function that removes it. */
export function makeTempDir(prefix: string): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), `tracebar-sink-${prefix}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/**
 * chDB at `dataPath` (one folder per test file: vitest runs files in separate processes and
 * chDB binds one folder per process), in `database`, with tracebar's migrations applied.
 */
export async function openStore(dataPath: string, database = 'tracebar'): Promise<ClickHouse> {
  const ch = await createClickHouse({ dataPath, database });
  await runMigrations(ch, { dir: defaultMigrationsDir });
  return ch;
}

export async function rows<T = Record<string, unknown>>(ch: ClickHouse, query: string, params: Record<string, unknown> = {}): Promise<T[]> {
  const result = await ch.client.query({ query, format: 'JSONEachRow', ...(Object.keys(params).length > 0 ? { query_params: params } : {}) });
  return result.json<T>();
}

export async function count(ch: ClickHouse, table: string, where = '1'): Promise<number> {
  const [row] = await rows<{ n: string }>(ch, `SELECT count() AS n FROM ${table} WHERE ${where}`);
  return Number(row?.n ?? 0);
}
