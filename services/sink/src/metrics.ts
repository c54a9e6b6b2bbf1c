// Prometheus metrics of the sink, on the process's registry. Label children are cached: the
// hot path (one call per bus batch and per insert) should not hash labels each time.
import { Counter, Gauge, Histogram, type Registry } from '@tracebar/runtime';

export interface SinkMetrics {
  consumed(topic: string, records: number, bytes: number): void;
  /** Records that produce no row by design (parts after the first of a split session). */
  skipped(topic: string, records: number): void;
  inserted(table: string, rows: number, bytes: number, seconds: number): void;
  /** An insert (or insert-log write) that failed and will be tried again. */
  retried(table: string): void;
  deadLettered(topic: string, code: string, records: number): void;
  /** Rows framed for the engine's Protobuf reader that were transcoded to RowBinary instead, and why. */
  transcoded(table: string, reason: 'small' | 'shape' | 'refused', rows: number): void;
  /** A range rebuilt at the boundaries recorded before a crash. */
  replayed(topic: string): void;
  flushed(seconds: number, ranges: number): void;
  committed(oldestRecordAgeSeconds: number): void;
  commitFailed(): void;
  buffered(bytes: number, rows: number): void;
  paused(isPaused: boolean): void;
}

const secondsBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const rowsBuckets = [1, 10, 100, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000];
const delayBuckets = [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3_600];

function cache<T>(make: (key: string) => T): (key: string) => T {
  const children = new Map<string, T>();
  return (key) => {
    let child = children.get(key);
    if (child === undefined) {
      child = make(key);
      children.set(key, child);
    }
    return child;
  };
}

export function createSinkMetrics(registry: Registry): SinkMetrics {
  const registers = [registry];
  const records = new Counter({ name: 'tracebar_sink_consumed_records_total', help: 'Records the sink read, by topic.', labelNames: ['topic'], registers });
  const recordBytes = new Counter({ name: 'tracebar_sink_consumed_bytes_total', help: 'Record value bytes the sink read, by topic.', labelNames: ['topic'], registers });
  const skipped = new Counter({ name: 'tracebar_sink_skipped_records_total', help: 'Records that carry no row by design (parts after the first of a split session).', labelNames: ['topic'], registers });
  const rows = new Counter({ name: 'tracebar_sink_rows_total', help: 'Rows ClickHouse acknowledged, by table (a replayed insert that ClickHouse deduplicated counts again).', labelNames: ['table'], registers });
  const bytes = new Counter({ name: 'tracebar_sink_bytes_total', help: 'JSONEachRow bytes sent in acknowledged inserts, by table.', labelNames: ['table'], registers });
  const batchRows = new Histogram({ name: 'tracebar_sink_batch_rows', help: 'Rows per insert, by table.', labelNames: ['table'], buckets: rowsBuckets, registers });
  const insertSeconds = new Histogram({ name: 'tracebar_sink_insert_duration_seconds', help: 'Duration of a successful insert, by table.', labelNames: ['table'], buckets: secondsBuckets, registers });
  const retries = new Counter({ name: 'tracebar_sink_retries_total', help: 'Inserts that failed retryably and were tried again, by table (sink_batches: the insert log).', labelNames: ['table'], registers });
  const dead = new Counter({ name: 'tracebar_sink_dead_lettered_total', help: 'Records sent to the dead-letter topic, by source topic and error code.', labelNames: ['topic', 'code'], registers });
  const transcoded = new Counter({
    name: 'tracebar_sink_transcoded_rows_total',
    help: 'Framed span rows inserted as RowBinary after all: a small insert, a record not in canonical shape, or the engine refused the Protobuf insert.',
    labelNames: ['table', 'reason'],
    registers,
  });
  const replayed = new Counter({ name: 'tracebar_sink_replayed_ranges_total', help: 'Ranges rebuilt at the boundaries recorded before a crash (their inserts repeat under the same tokens).', labelNames: ['topic'], registers });
  const flushSeconds = new Histogram({ name: 'tracebar_sink_flush_duration_seconds', help: 'One write cycle: insert log, inserts, offset commit (retries included).', buckets: secondsBuckets, registers });
  const flushRanges = new Histogram({ name: 'tracebar_sink_flush_ranges', help: 'Topic partition ranges per write cycle.', buckets: [1, 2, 5, 10, 20, 50, 100, 200], registers });
  const delay = new Histogram({
    name: 'tracebar_sink_commit_delay_seconds',
    help: 'At each commit, the age of the oldest record it covers (now minus its producer timestamp): how far the sink is behind, in time.',
    buckets: delayBuckets,
    registers,
  });
  const commitFailures = new Counter({ name: 'tracebar_sink_commit_failures_total', help: 'Offset commits that failed (retried with the next cycle; the rows are already stored).', registers });
  const bufferedBytes = new Gauge({ name: 'tracebar_sink_buffered_bytes', help: 'Encoded rows and record values held in memory, not yet committed.', registers });
  const bufferedRows = new Gauge({ name: 'tracebar_sink_buffered_rows', help: 'Rows held in memory, not yet committed.', registers });
  const pausedGauge = new Gauge({ name: 'tracebar_sink_paused', help: '1 while consumption is paused because ClickHouse refuses inserts.', registers });

  const recordsOf = cache((topic) => records.labels({ topic }));
  const recordBytesOf = cache((topic) => recordBytes.labels({ topic }));
  const rowsOf = cache((table) => rows.labels({ table }));
  const bytesOf = cache((table) => bytes.labels({ table }));
  const batchRowsOf = cache((table) => batchRows.labels({ table }));
  const insertSecondsOf = cache((table) => insertSeconds.labels({ table }));

  return {
    consumed(topic, n, b) {
      recordsOf(topic).inc(n);
      recordBytesOf(topic).inc(b);
    },
    skipped: (topic, n) => skipped.labels({ topic }).inc(n),
    inserted(table, n, b, seconds) {
      rowsOf(table).inc(n);
      bytesOf(table).inc(b);
      batchRowsOf(table).observe(n);
      insertSecondsOf(table).observe(seconds);
    },
    retried: (table) => retries.labels({ table }).inc(),
    deadLettered: (topic, code, n) => dead.labels({ topic, code }).inc(n),
    transcoded: (table, reason, n) => transcoded.labels({ table, reason }).inc(n),
    replayed: (topic) => replayed.labels({ topic }).inc(),
    flushed(seconds, ranges) {
      flushSeconds.observe(seconds);
      flushRanges.observe(ranges);
    },
    committed: (age) => delay.observe(age),
    commitFailed: () => commitFailures.inc(),
    buffered(b, n) {
      bufferedBytes.set(b);
      bufferedRows.set(n);
    },
    paused: (isPaused) => pausedGauge.set(isPaused ? 1 : 0),
  };
}
