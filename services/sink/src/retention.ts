// Retention is configuration, migrations are static SQL: the migrations create each table with
// the default TTL, and the sink brings the TTL in line with `sink.retention` at start.
import type { ClickHouseClient } from '@clickhouse/client';
import type { TracebarConfig } from '@tracebar/config';
import type { Logger } from '@tracebar/runtime';

type Retention = TracebarConfig['sink']['retention'];

/** Table → its retention key and the DateTime64 column its TTL counts from. */
export const ttlTables = [
  { table: 'spans', key: 'spans', column: 'start_time' },
  { table: 'sessions', key: 'sessions', column: 'start_time' },
  { table: 'verdicts', key: 'scores', column: 'session_start_time' },
  { table: 'scores', key: 'scores', column: 'session_start_time' },
  { table: 'review_items', key: 'reviewItems', column: 'session_start_time' },
  { table: 'alerts', key: 'alerts', column: 'window_start_time' },
  { table: 'labels', key: 'labels', column: 'created_time' },
] as const satisfies readonly { table: string; key: keyof Retention; column: string }[];

const secondsPer: Record<string, number> = { Second: 1, Minute: 60, Hour: 3_600, Day: 86_400, Week: 604_800, Month: 2_592_000, Year: 31_536_000 };

/** The TTL in seconds found in a table's `engine_full`, or 0 when it has none. */
export function ttlSeconds(engineFull: string): number {
  const match = /\bTTL\s.*?\+\s*toInterval(Second|Minute|Hour|Day|Week|Month|Year)\((\d+)\)/.exec(engineFull);
  if (!match) return 0;
  return Number(match[2]) * (secondsPer[match[1] as string] ?? 0);
}

export interface RetentionChange {
  table: string;
  fromSeconds: number;
  toSeconds: number;
}

/**
 * Sets each table's TTL to the configured retention where it differs. The change applies to
 * parts written from now on and to parts as they merge; existing parts are not rewritten
 * (`materialize_ttl_after_modify = 0`), which keeps the start fast on large tables.
 */
export async function applyRetention(client: ClickHouseClient, retention: Retention, logger: Logger): Promise<RetentionChange[]> {
  const result = await client.query({
    query: 'SELECT name, engine_full FROM system.tables WHERE database = currentDatabase() AND name IN {names:Array(String)}',
    query_params: { names: ttlTables.map((t) => t.table) },
    format: 'JSONEachRow',
  });
  const current = new Map((await result.json<{ name: string; engine_full: string }>()).map((r) => [r.name, ttlSeconds(r.engine_full)]));
  const changes: RetentionChange[] = [];
  for (const { table, key, column } of ttlTables) {
    const fromSeconds = current.get(table);
    if (fromSeconds === undefined) continue;
    const toSeconds = Math.round(retention[key] / 1_000);
    if (fromSeconds === toSeconds) continue;
    const statement =
      toSeconds === 0 ? `ALTER TABLE ${table} REMOVE TTL` : `ALTER TABLE ${table} MODIFY TTL toDateTime(${column}) + ${interval(toSeconds)}`;
    await client.command({ query: statement, clickhouse_settings: { materialize_ttl_after_modify: 0 } });
    logger.info({ table, fromSeconds, toSeconds }, 'table retention changed to match sink.retention');
    changes.push({ table, fromSeconds, toSeconds });
  }
  return changes;
}

function interval(seconds: number): string {
  return seconds % 86_400 === 0 ? `INTERVAL ${seconds / 86_400} DAY` : `INTERVAL ${seconds} SECOND`;
}
