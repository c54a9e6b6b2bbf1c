import type { ClickHouse } from './create-clickhouse.js';
import { TracebarClickHouseError } from './errors.js';
import { splitSqlStatements } from './sql-statements.js';

export interface ReadOnlyColumn {
  readonly name: string;
  /** ClickHouse type, e.g. `UInt64`, `Nullable(String)`. */
  readonly type: string;
}

export interface ReadOnlyResult {
  /** Result columns in query order. */
  readonly columns: ReadOnlyColumn[];
  /** One object per row, keyed by column name, as JSONEachRow gives them (64-bit integers are strings). */
  readonly rows: Record<string, unknown>[];
}

export interface ReadOnlyQueryOptions {
  /** Values for `{name:Type}` placeholders, bound by the engine. */
  queryParams?: Record<string, unknown>;
  abortSignal?: AbortSignal;
}

// ClickHouse's code for "Cannot execute query in readonly mode" and its relatives.
const readonlyErrorCode = '164';

/**
 * Runs one user query with ClickHouse `readonly = 1`: the engine refuses INSERT, ALTER, DROP,
 * CREATE (temporary tables too), SYSTEM, OPTIMIZE and any change of settings, on chDB and on
 * a server alike. Two things readonly does not stop are refused here before the query runs:
 * several statements in one call (chDB would run them all) and `INTO OUTFILE` (chDB writes the
 * file even in readonly mode); a `SET` is refused here too, with a clearer message than the
 * syntax error the appended FORMAT clause would cause. Reading files with `file()` is not refused: the caller is the
 * local analyst, so expose this only on a local admin endpoint.
 */
export async function queryReadOnly(ch: ClickHouse, sql: string, options: ReadOnlyQueryOptions = {}): Promise<ReadOnlyResult> {
  const statement = singleStatement(sql);
  try {
    const result = await ch.client.query({
      query: statement,
      format: 'JSONCompactEachRowWithNamesAndTypes',
      clickhouse_settings: { readonly: '1' },
      ...(options.queryParams === undefined ? {} : { query_params: options.queryParams }),
      ...(options.abortSignal === undefined ? {} : { abort_signal: options.abortSignal }),
    });
    return toResult(await result.json<unknown[]>());
  } catch (err) {
    if ((err as { code?: unknown } | null)?.code === readonlyErrorCode) {
      throw new TracebarClickHouseError('READ_ONLY_QUERY', `refused, queries here are read-only: ${(err as Error).message.trim()}`, { cause: err });
    }
    throw err;
  }
}

function singleStatement(sql: string): string {
  const statements = splitSqlStatements(sql);
  const [first] = statements;
  if (first === undefined) throw new TracebarClickHouseError('READ_ONLY_QUERY', 'the query is empty');
  if (statements.length > 1) {
    throw new TracebarClickHouseError('READ_ONLY_QUERY', `give one statement at a time (found ${statements.length})`);
  }
  if (/^\s*SET\b/i.test(first.code)) {
    throw new TracebarClickHouseError('READ_ONLY_QUERY', 'SET is refused: queries here are read-only');
  }
  if (/\bINTO\s+OUTFILE\b/i.test(first.code)) {
    throw new TracebarClickHouseError('READ_ONLY_QUERY', 'INTO OUTFILE is refused: queries here are read-only');
  }
  if (/\bFORMAT\s+\w+\s*$/i.test(first.code)) {
    throw new TracebarClickHouseError('READ_ONLY_QUERY', 'leave out the FORMAT clause: the result format is chosen by the caller');
  }
  return first.sql;
}

function toResult(lines: unknown[]): ReadOnlyResult {
  const [names, types, ...values] = lines;
  if (!isStringArray(names) || !isStringArray(types) || names.length !== types.length) {
    throw new Error('unexpected result shape: JSONCompactEachRowWithNamesAndTypes without names and types rows');
  }
  const columns = names.map((name, i) => ({ name, type: types[i] ?? '' }));
  const rows = values.map((row) => {
    const cells = row as unknown[];
    return Object.fromEntries(names.map((name, i) => [name, cells[i]]));
  });
  return { columns, rows };
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}
