// The sessionizer's Prometheus metrics, on the registry the runtime injects.
import { CloseReason } from '@tracebar/proto';
import { Counter, Gauge, Histogram, type Registry } from '@tracebar/runtime';
import type { CoreObserver, CoreStats, DropReason } from './sessionizer-core.js';

export interface SessionizerMetrics extends CoreObserver {
  published(records: number, seconds: number): void;
  recordsDropped(reason: 'too_large', count: number): void;
  committed(partitions: number): void;
}

const REASON_LABELS: Record<number, string> = {
  [CloseReason.CLOSE_REASON_IDLE]: 'idle',
  [CloseReason.CLOSE_REASON_END_MARKER]: 'end_marker',
  [CloseReason.CLOSE_REASON_MAX_DURATION]: 'max_duration',
  [CloseReason.CLOSE_REASON_MAX_SPANS]: 'max_spans',
  [CloseReason.CLOSE_REASON_MAX_BYTES]: 'max_bytes',
  [CloseReason.CLOSE_REASON_EVICTED]: 'evicted',
};

export function createSessionizerMetrics(registry: Registry, stats: () => CoreStats): SessionizerMetrics {
  const registers = [registry];
  const gauge = (name: string, help: string, read: (s: CoreStats) => number) =>
    new Gauge({
      name: `tracebar_sessionizer_${name}`,
      help,
      registers,
      collect() {
        this.set(read(stats()));
      },
    });
  gauge('open_sessions', 'Sessions open (collecting spans) in this instance.', (s) => s.openSessions);
  gauge('open_bytes', 'Span bytes (plus a fixed charge per session) held by open sessions.', (s) => s.openBytes);
  gauge('remembered_sessions', 'Closed sessions kept for late spans (revisions).', (s) => s.rememberedSessions);
  gauge('remembered_bytes', 'Span bytes held by closed sessions kept for revisions.', (s) => s.rememberedBytes);
  gauge('pooled_bytes', 'Span chunks of dropped sessions kept for reuse (counted against no cap; at most an eighth of maxOpenBytes).', (s) => s.pooledBytes);
  gauge('uncommitted_records', 'Records of owned partitions past the committed offset: what a restart re-reads.', (s) => s.uncommittedRecords);
  gauge('partitions', 'Spans partitions this instance owns.', (s) => s.partitions);

  const spansConsumed = new Counter({ name: 'tracebar_sessionizer_spans_consumed_total', help: 'Span records read from the spans topic.', registers });
  const spansDropped = new Counter({
    name: 'tracebar_sessionizer_spans_dropped_total',
    help: 'Spans not in any session record: malformed, duplicate (same trace and span id), truncated (after a cap), evicted or released (for a session closed under the memory cap).',
    labelNames: ['reason'],
    registers,
  });
  const lateSpans = new Counter({ name: 'tracebar_sessionizer_late_spans_total', help: 'Spans that arrived for a closed session and opened a new revision.', registers });
  const closed = new Counter({ name: 'tracebar_sessionizer_sessions_closed_total', help: 'Session records emitted, by close reason.', labelNames: ['reason'], registers });
  const revisions = new Counter({ name: 'tracebar_sessionizer_revisions_total', help: 'Session records emitted with revision > 1.', registers });
  const evictions = new Counter({ name: 'tracebar_sessionizer_evictions_total', help: 'Open sessions force-closed by the memory caps.', registers });
  const split = new Counter({ name: 'tracebar_sessionizer_split_sessions_total', help: 'Session records split into parts over the topic message limit.', registers });
  const forgotten = new Counter({
    name: 'tracebar_sessionizer_forgotten_total',
    help: 'Closed sessions no longer kept: after the revision window, or (tombstones) early under the memory cap.',
    labelNames: ['reason'],
    registers,
  });
  const released = new Counter({
    name: 'tracebar_sessionizer_released_total',
    help: 'Closed sessions whose spans were released before their revision window ended, under the byte cap (late spans for them are then left out).',
    registers,
  });
  const records = new Counter({ name: 'tracebar_sessionizer_records_published_total', help: 'Records (whole sessions and parts) published to the sessions topic.', registers });
  const recordsDropped = new Counter({ name: 'tracebar_sessionizer_records_dropped_total', help: 'Session records the bus refused permanently (too large).', labelNames: ['reason'], registers });
  const commits = new Counter({ name: 'tracebar_sessionizer_commits_total', help: 'Partition offsets committed.', registers });
  const publishSeconds = new Histogram({
    name: 'tracebar_sessionizer_publish_seconds',
    help: 'From publishing closed sessions to the bus acknowledging them as durable.',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });

  return {
    spansConsumed: (count) => spansConsumed.inc(count),
    spanDropped: (reason: DropReason, count) => spansDropped.inc({ reason }, count),
    lateSpan: () => lateSpans.inc(),
    sessionClosed(reason, revision, parts) {
      closed.inc({ reason: REASON_LABELS[reason] ?? 'unspecified' });
      if (revision > 1) revisions.inc();
      if (reason === CloseReason.CLOSE_REASON_EVICTED) evictions.inc();
      if (parts > 1) split.inc();
    },
    forgotten: (reason) => forgotten.inc({ reason }),
    released: () => released.inc(),
    published(count, seconds) {
      records.inc(count);
      publishSeconds.observe(seconds);
    },
    recordsDropped: (reason, count) => recordsDropped.inc({ reason }, count),
    committed: (partitions) => commits.inc(partitions),
  };
}
