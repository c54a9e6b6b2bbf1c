import path from 'node:path';
import { ClickHouseError } from '@clickhouse/client';
import { createClickHouse, queryReadOnly, TracebarClickHouseError, type ClickHouse } from '@tracebar/clickhouse';
import type { TracebarConfig } from '@tracebar/config';
import { SqlRejectedError, type SqlParams, type SqlResult } from '@tracebar/runtime';

/** The embedded engine's folder inside the data dir. */
export function chdbPath(config: TracebarConfig): string {
  return path.join(config.dataDir, 'chdb');
}

export function openStore(config: TracebarConfig): Promise<ClickHouse> {
  const { url, username, password, database, requestTimeoutMs } = config.clickhouse;
  return createClickHouse({ url, username, password, database, requestTimeoutMs, dataPath: chdbPath(config), application: 'tracebar' });
}

/**
 * ClickHouse answered the query with an error of its own (syntax, unknown column, readonly): the
 * caller's to fix. chDB bundles its own copy of the client's error class, so `instanceof` alone
 * misses its errors; they come from a class of the same name and carry a numeric ClickHouse code.
 */
function isQueryMistake(error: unknown): boolean {
  if (error instanceof TracebarClickHouseError) return error.code === 'READ_ONLY_QUERY';
  if (error instanceof ClickHouseError) return true;
  return error instanceof Error && error.constructor.name === 'ClickHouseError' && /^\d+$/.test(String((error as { code?: unknown }).code));
}

/** A read-only query as the admin API and the CLI print it: columns in order, rows as arrays. */
export async function runReadOnly(store: ClickHouse, query: string, params: SqlParams = {}): Promise<SqlResult> {
  try {
    const result = await queryReadOnly(store, query, { queryParams: params });
    return {
      columns: result.columns,
      rows: result.rows.map((row) => result.columns.map((column) => row[column.name])),
    };
  } catch (error) {
    if (isQueryMistake(error)) throw new SqlRejectedError(error instanceof Error ? error.message : String(error), { cause: error });
    throw error;
  }
}

/** For `tracebar sql` when no instance is running: open, query, close. */
export async function queryStoreDirectly(config: TracebarConfig, query: string, params: SqlParams = {}): Promise<SqlResult> {
  const store = await openStore(config);
  try {
    return await runReadOnly(store, query, params);
  } finally {
    await store.close();
  }
}
