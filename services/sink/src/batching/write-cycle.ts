// One write cycle: record the ranges in the insert log, insert every range's rows per table
// under tokens derived from the range, then commit the partitions' offsets. Transient
// failures are retried with backoff until they pass or the cycle is aborted (shutdown);
// rows ClickHouse refuses as data are narrowed down to their records, which are dead-lettered.
import type { TopicPartitionOffset } from '@tracebar/bus';
import type { ClickHouse } from '@tracebar/clickhouse';
import type { Logger } from '@tracebar/runtime';
import type { DeadLetterEntry, DeadLetterPublisher } from '../dead-letters.js';
import type { SinkMetrics } from '../metrics.js';
import { lengthPrefix } from '../rows/span-frame.js';
import { binaryColumns, type TableName } from '../rows/topic-decoders.js';
import { errorMessage, isProtobufDataError, isRowDataError } from '../store/clickhouse-errors.js';
import { insertRows, type InsertBody } from '../store/insert-rows.js';
import { recordIntents, type InsertIntent } from '../store/sink-batches.js';
import { backoffMs, sleep } from './backoff.js';
import { rowCount, type PendingRange, type TableBatch } from './pending-range.js';
import { transcodeSpans } from './transcode-spans.js';

export interface WriteCycleDeps {
  readonly store: () => ClickHouse;
  readonly group: string;
  readonly insertConcurrency: number;
  readonly retryInitialMs: number;
  readonly retryMaxMs: number;
  readonly deadLetters: DeadLetterPublisher;
  readonly metrics: SinkMetrics;
  readonly logger: Logger;
  /** Called when ClickHouse fails an attempt (pause intake) and when a cycle completes (resume). */
  readonly storeDown: () => void;
  readonly storeUp: () => void;
  /** Stores offsets; rejects when the bus refuses (the cycle keeps them for the next one). */
  readonly commit: (offsets: readonly TopicPartitionOffset[]) => Promise<void>;
  /** Absolute path of the SpanRecord storage schema, for span batches framed as Protobuf (embedded). */
  readonly spanSchema?: string;
  /** Fewer framed span rows than this in one insert go as RowBinary (see insertFramed). */
  readonly spanProtobufMinRows: number;
  /** Test seam: runs after the inserts, before the commit (a crash there is what replay covers). */
  readonly beforeCommit?: (ranges: readonly PendingRange[]) => Promise<void>;
}

/** Writes ranges and commits them. Rejects only when `signal` aborts. */
export async function writeCycle(ranges: readonly PendingRange[], deps: WriteCycleDeps, signal: AbortSignal): Promise<void> {
  const started = performance.now();
  const fingerprints = ranges.map((r) => r.fingerprint());
  const intents: InsertIntent[] = ranges.map((r, i) => ({
    topic: r.topic,
    partition: r.partition,
    firstOffset: r.firstOffset,
    nextOffset: r.nextOffset,
    firstTimestamp: r.records[0]?.timestamp ?? 0,
    recordCount: r.records.length,
    fingerprint: fingerprints[i] as string,
  }));
  await retrying(deps, 'sink_batches', signal, () => recordIntents(deps.store().client, deps.group, intents));

  const tasks: (() => Promise<void>)[] = [];
  ranges.forEach((range, i) => {
    for (const [table, batch] of range.tables) {
      tasks.push(() => insertOrNarrow(deps, signal, range, table, batch, 0, rowCount(batch), `${fingerprints[i]}-${table}`));
    }
  });
  await runLimited(tasks, deps.insertConcurrency);

  await deps.beforeCommit?.(ranges);
  await deps.commit(commitOffsets(ranges));
  deps.storeUp();
  const now = Date.now();
  const oldest = Math.min(...ranges.map((r) => r.records[0]?.timestamp ?? now));
  deps.metrics.committed(Math.max(0, (now - oldest) / 1_000));
  deps.metrics.flushed((performance.now() - started) / 1_000, ranges.length);
}

/** The highest end offset per partition: cycles are sequential, so ranges end in order. */
export function commitOffsets(ranges: readonly PendingRange[]): TopicPartitionOffset[] {
  const ends = new Map<string, TopicPartitionOffset>();
  for (const range of ranges) {
    const k = `${range.topic}\u0000${range.partition}`;
    const current = ends.get(k);
    if (current === undefined || current.offset < range.nextOffset) {
      ends.set(k, { topic: range.topic, partition: range.partition, offset: range.nextOffset });
    }
  }
  return [...ends.values()];
}

/**
 * Inserts lines [from, to) of a table batch. When ClickHouse rejects them as data, the lines are
 * split at a record boundary and each half inserted under its own token (derived from the
 * positions, so a replay splits the same way); a record whose lines fail alone is dead-lettered.
 */
async function insertOrNarrow(
  deps: WriteCycleDeps,
  signal: AbortSignal,
  range: PendingRange,
  table: TableName,
  batch: TableBatch,
  from: number,
  to: number,
  token: string,
): Promise<void> {
  if (batch.framed !== undefined) {
    await insertFramed(deps, signal, range, table, batch, from, to, token);
    return;
  }
  const body = bodyOf(table, batch, from, to);
  try {
    const began = performance.now();
    await retrying(deps, table, signal, () => insertRows(deps.store(), table, body, token));
    deps.metrics.inserted(table, to - from, bytesOf(body), (performance.now() - began) / 1_000);
  } catch (error) {
    if (!isRowDataError(error)) throw error;
    const firstOwner = batch.owners[from] as number;
    const lastOwner = batch.owners[to - 1] as number;
    if (firstOwner === lastOwner) {
      const entry: DeadLetterEntry = { record: range.records[firstOwner] as (typeof range.records)[number], code: 'ROW_REJECTED', message: errorMessage(error), attempts: 1 };
      await retrying(deps, 'deadletter', signal, () => deps.deadLetters.publish([entry]));
      deps.metrics.deadLettered(range.topic, 'ROW_REJECTED', 1);
      deps.logger.warn({ topic: range.topic, partition: range.partition, offset: entry.record.offset, table, err: error }, 'ClickHouse rejected a record\'s rows: dead-lettered');
      return;
    }
    const mid = splitPoint(batch.owners, from, to);
    await insertOrNarrow(deps, signal, range, table, batch, from, mid, `${token}.${from}-${mid}`);
    await insertOrNarrow(deps, signal, range, table, batch, mid, to, `${token}.${mid}-${to}`);
  }
}

/**
 * Inserts rows [from, to) of a batch of framed SpanRecords for the engine's Protobuf reader. When
 * they are few, a record was not in canonical shape, or the engine refuses the records, they are
 * transcoded and inserted as RowBinary under the same token (nothing landed under it), where
 * refused rows are narrowed down as always. A replay of the same records takes the same way.
 */
async function insertFramed(
  deps: WriteCycleDeps,
  signal: AbortSignal,
  range: PendingRange,
  table: TableName,
  batch: TableBatch,
  from: number,
  to: number,
  token: string,
): Promise<void> {
  const framed = batch.framed as Buffer[];
  // The engine plans the INSERT … SELECT of framed records in ~20 ms of CPU, whatever the rows;
  // transcoding instead costs ~5 µs a row of sink CPU more: small inserts are cheaper as RowBinary.
  let reason: 'shape' | 'refused' | 'small' = batch.transcode > 0 ? 'shape' : 'small';
  if (batch.transcode === 0 && deps.spanSchema !== undefined && to - from >= deps.spanProtobufMinRows) {
    // Each record after its length prefix, written out as they are (a vectored write).
    const pieces: Buffer[] = [];
    let bytes = 0;
    for (let i = from; i < to; i++) {
      const value = framed[i] as Buffer;
      const prefix = lengthPrefix(value.length);
      pieces.push(prefix, value);
      bytes += prefix.length + value.length;
    }
    const body: InsertBody = { spanRecords: pieces, schema: deps.spanSchema };
    try {
      const began = performance.now();
      await retrying(deps, table, signal, () => insertRows(deps.store(), table, body, token), isProtobufDataError);
      deps.metrics.inserted(table, to - from, bytes, (performance.now() - began) / 1_000);
      return;
    } catch (error) {
      if (!isProtobufDataError(error)) throw error;
      reason = 'refused';
      deps.logger.warn({ table, topic: range.topic, partition: range.partition, rows: to - from, err: error }, 'the engine refused framed span records: inserting them as RowBinary');
    }
  }
  const { batch: rows, rejected } = transcodeSpans(range.records, batch, from, to);
  deps.metrics.transcoded(table, reason, to - from);
  if (rejected.length > 0) {
    const entries: DeadLetterEntry[] = rejected.map(({ record, error }) => ({ record, code: error.code, message: error.message, attempts: 1 }));
    await retrying(deps, 'deadletter', signal, () => deps.deadLetters.publish(entries));
    for (const entry of entries) deps.metrics.deadLettered(range.topic, entry.code, 1);
  }
  if (rowCount(rows) > 0) await insertOrNarrow(deps, signal, range, table, rows, 0, rowCount(rows), token);
}

/** A line index in (from, to) where the owning record changes, near the middle. */
function splitPoint(owners: readonly number[], from: number, to: number): number {
  const middle = Math.floor((from + to) / 2);
  for (let i = middle; i < to; i++) if (owners[i] !== owners[i - 1]) return i;
  for (let i = middle - 1; i > from; i--) if (owners[i] !== owners[i - 1]) return i;
  return to - 1;
}

/** Rows [from, to) of a table batch as an insert body. */
function bodyOf(table: TableName, batch: TableBatch, from: number, to: number): InsertBody {
  if (batch.binary === undefined) return { lines: from === 0 && to === batch.lines.length ? batch.lines : batch.lines.slice(from, to) };
  const start = from === 0 ? 0 : (batch.rowEnds[from - 1] as number);
  return { binary: batch.binary.slice(start, batch.rowEnds[to - 1] as number), columns: binaryColumns[table] ?? [] };
}

function bytesOf(body: InsertBody): number {
  if ('binary' in body) return body.binary.reduce((n, chunk) => n + chunk.length, 0);
  if ('spanRecords' in body) return body.spanRecords.reduce((n, piece) => n + piece.length, 0);
  let total = 0;
  for (const line of body.lines) total += line.length + 1;
  return total;
}

/**
 * Runs `attempt` until it succeeds. Row-data errors (`permanent`) are not retried (the caller
 * narrows them down or transcodes); every other failure pauses intake and is retried with
 * backoff and full jitter.
 */
async function retrying<T>(
  deps: WriteCycleDeps,
  what: string,
  signal: AbortSignal,
  attempt: () => Promise<T>,
  permanent: (error: unknown) => boolean = isRowDataError,
): Promise<T> {
  for (let n = 0; ; n++) {
    signal.throwIfAborted();
    try {
      return await attempt();
    } catch (error) {
      if (permanent(error) || signal.aborted) throw error;
      deps.storeDown();
      deps.metrics.retried(what);
      const delay = backoffMs(n, deps.retryInitialMs, deps.retryMaxMs);
      if (n === 0 || n % 10 === 0) deps.logger.warn({ what, attempt: n + 1, retryInMs: delay, err: error }, 'write failed; retrying');
      await sleep(delay, signal);
    }
  }
}

async function runLimited(tasks: readonly (() => Promise<void>)[], limit: number): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const task = tasks[next++] as () => Promise<void>;
      await task();
    }
  };
  const results = await Promise.allSettled(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}
