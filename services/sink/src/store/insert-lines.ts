import { Readable } from 'node:stream';
import type { ClickHouseClient } from '@clickhouse/client';
import type { TableName } from '../rows/topic-decoders.js';

/**
 * Inserts JSONEachRow lines into a table as one block, under a deduplication token: ClickHouse
 * drops a later insert with the same token (tables need `non_replicated_deduplication_window`,
 * which tracebar's have), so a retried or replayed insert lands once.
 *
 * `exec` rather than `insert`: the lines are already encoded, and `insert` would take them only
 * as objects to encode again. One string chunk keeps chDB from copying the body (it joins the
 * chunks into the statement text).
 */
export async function insertLines(client: ClickHouseClient, table: TableName, lines: readonly string[], token: string): Promise<void> {
  const result = await client.exec({
    query: `INSERT INTO ${table} FORMAT JSONEachRow`,
    values: Readable.from([lines.join('\n')]),
    // optimize_on_insert off: rows of one insert are distinct records, and collapsing versions
    // at insert costs a sort the merge does anyway (measured: a fifth of the engine's work).
    clickhouse_settings: { insert_deduplicate: 1, insert_deduplication_token: token, async_insert: 0, optimize_on_insert: 0 },
  });
  // The HTTP response must be read for the connection to be reused; chDB returns it empty.
  for await (const chunk of result.stream) void chunk;
}
