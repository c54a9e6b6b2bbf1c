// The sink's settings, resolved once from the validated tracebar config.
import type { TracebarConfig } from '@tracebar/config';
import type { SinkTopicRole } from './rows/topic-decoders.js';

export interface SinkTopic {
  readonly role: SinkTopicRole;
  readonly name: string;
}

export interface SinkSettings {
  readonly consumerGroup: string;
  readonly topics: readonly SinkTopic[];
  readonly deadLetterTopic: string;
  readonly maxBatchRows: number;
  readonly maxBatchBytes: number;
  /** The default flush interval; `flushIntervalOf` gives each topic's. */
  readonly flushIntervalMs: number;
  /** Topic name → how long its oldest pending record may wait (sink.topicFlushIntervalMs, else flushIntervalMs). */
  readonly topicFlushIntervalMs: Readonly<Record<string, number>>;
  readonly maxBufferedBytes: number;
  readonly insertConcurrency: number;
  readonly retryInitialMs: number;
  readonly retryMaxMs: number;
  /**
   * How long a range being rebuilt at the boundaries recorded before a crash may wait for its
   * last record before it is written as it is (only a log whose records vanished needs this).
   */
  readonly replayTimeoutMs: number;
  /** Upper bounds of one bus batch handed to the sink. */
  readonly busBatchRecords: number;
  readonly busBatchBytes: number;
  readonly retention: TracebarConfig['sink']['retention'];
  readonly mergeSelector: TracebarConfig['sink']['mergeSelector'];
}

export function resolveSinkSettings(config: TracebarConfig): SinkSettings {
  const s = config.sink;
  const roles = [...new Set(s.topics)];
  const topicFlushIntervalMs = Object.fromEntries(roles.map((role) => [config.topics[role].name, s.topicFlushIntervalMs[role] ?? s.flushIntervalMs]));
  const longestFlushMs = Math.max(s.flushIntervalMs, ...Object.values(topicFlushIntervalMs));
  return Object.freeze({
    consumerGroup: s.consumerGroup,
    topics: Object.freeze(roles.map((role) => Object.freeze({ role, name: config.topics[role].name }))),
    deadLetterTopic: config.topics.deadLetter.name,
    maxBatchRows: s.maxBatchRows,
    maxBatchBytes: s.maxBatchBytes,
    flushIntervalMs: s.flushIntervalMs,
    topicFlushIntervalMs: Object.freeze(topicFlushIntervalMs),
    maxBufferedBytes: s.maxBufferedBytes,
    insertConcurrency: s.insertConcurrency,
    retryInitialMs: s.retryInitialMs,
    retryMaxMs: s.retryMaxMs,
    replayTimeoutMs: Math.max(30_000, 10 * longestFlushMs),
    busBatchRecords: Math.min(5_000, s.maxBatchRows),
    busBatchBytes: Math.min(8 * 1_048_576, s.maxBatchBytes),
    retention: s.retention,
    mergeSelector: s.mergeSelector,
  });
}
