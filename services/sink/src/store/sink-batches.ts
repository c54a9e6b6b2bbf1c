// Repository of the `sink_batches` insert log (migration 0008): what the sink is about to
// insert, recorded first, so that a crash between insert and commit can be replayed exactly.
import type { ClickHouseClient } from '@clickhouse/client';

export const sinkBatchesTable = 'sink_batches';

/** One topic partition's offset range, as recorded before its rows are inserted. */
export interface InsertIntent {
  readonly topic: string;
  readonly partition: number;
  readonly firstOffset: number;
  /** Exclusive. */
  readonly nextOffset: number;
  /** Producer timestamp (ms) of the record at firstOffset. */
  readonly firstTimestamp: number;
  readonly recordCount: number;
  readonly fingerprint: string;
}

export async function recordIntents(client: ClickHouseClient, group: string, intents: readonly InsertIntent[]): Promise<void> {
  if (intents.length === 0) return;
  await client.insert({
    table: sinkBatchesTable,
    format: 'JSONEachRow',
    values: intents.map((i) => ({
      consumer_group: group,
      topic: i.topic,
      partition: i.partition,
      first_offset: i.firstOffset,
      next_offset: i.nextOffset,
      first_timestamp: i.firstTimestamp,
      record_count: i.recordCount,
      fingerprint: i.fingerprint,
    })),
  });
}

interface IntentRow {
  first_offset: string;
  next_offset: string;
  first_timestamp: string;
  record_count: number;
  fingerprint: string;
}

/**
 * Ranges of a partition recorded at or after `fromOffset` by this group, recorded no earlier
 * than `sinceMs` (ms since the epoch), in offset order. A range recorded twice (a retried
 * log write, a replay) comes once.
 */
export async function intentsFrom(
  client: ClickHouseClient,
  params: { group: string; topic: string; partition: number; fromOffset: number; sinceMs: number; limit: number },
): Promise<InsertIntent[]> {
  const result = await client.query({
    query: `
      SELECT DISTINCT first_offset, next_offset, first_timestamp, record_count, fingerprint
      FROM ${sinkBatchesTable}
      WHERE consumer_group = {group:String} AND topic = {topic:String} AND partition = {partition:UInt32}
        AND first_offset >= {fromOffset:UInt64}
        AND created_at >= fromUnixTimestamp64Milli({sinceMs:Int64})
      ORDER BY first_offset, next_offset
      LIMIT {limit:UInt32}`,
    query_params: params,
    format: 'JSONEachRow',
  });
  const rows = await result.json<IntentRow>();
  return rows.map((row) => ({
    topic: params.topic,
    partition: params.partition,
    firstOffset: Number(row.first_offset),
    nextOffset: Number(row.next_offset),
    firstTimestamp: Number(row.first_timestamp),
    recordCount: row.record_count,
    fingerprint: row.fingerprint,
  }));
}
