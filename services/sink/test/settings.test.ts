import { fileURLToPath } from 'node:url';
import { ConfigError, configSchema, loadConfig } from '@tracebar/config';
import { describe, expect, it } from 'vitest';
import { resolveSinkSettings } from '../src/index.js';

describe('sink settings', () => {
  it('parse the example in testdata and resolve topic names and bounds', () => {
    const { config } = loadConfig({ file: fileURLToPath(new URL('../testdata/sink.yaml', import.meta.url)), env: {} });
    const settings = resolveSinkSettings(config);
    expect(settings.consumerGroup).toBe('tracebar-sink-eu');
    expect(settings.topics.map((t) => t.name)).toEqual(['tracebar.spans.v1', 'tracebar.sessions.v1', 'tracebar.scores.v1', 'tracebar.review.v1', 'tracebar.labels.v1', 'tracebar.alerts.v1']);
    expect(settings).toMatchObject({ deadLetterTopic: 'tracebar.deadletter.v1', maxBatchRows: 50_000, maxBatchBytes: 32 * 1_048_576, flushIntervalMs: 2_000, busBatchRecords: 5_000 });
    expect(settings.retention).toEqual({ spans: 7 * 86_400_000, sessions: 90 * 86_400_000, scores: 365 * 86_400_000, reviewItems: 365 * 86_400_000, alerts: 365 * 86_400_000, labels: 0 });
    // testdata sets scores (and leaves review at its default); the other topics wait flushIntervalMs.
    expect(settings.topicFlushIntervalMs).toEqual({
      'tracebar.spans.v1': 2_000,
      'tracebar.sessions.v1': 2_000,
      'tracebar.scores.v1': 500,
      'tracebar.review.v1': 250,
      'tracebar.labels.v1': 2_000,
      'tracebar.alerts.v1': 2_000,
    });
    expect(settings.replayTimeoutMs).toBe(30_000);
    expect(settings.mergeSelector).toBe('Simple');
  });

  it('default to sooner writes of scores and review items, and the Trivial merge selector where embedded (auto)', () => {
    const settings = resolveSinkSettings(loadConfig({ env: {}, cwd: '/nonexistent' }).config);
    expect(settings.flushIntervalMs).toBe(1_000);
    expect(settings.topicFlushIntervalMs).toEqual({ 'tracebar.spans.v1': 1_000, 'tracebar.sessions.v1': 1_000, 'tracebar.scores.v1': 250, 'tracebar.review.v1': 250, 'tracebar.labels.v1': 1_000, 'tracebar.alerts.v1': 1_000 });
    expect(settings.mergeSelector).toBe('auto');
    const env = { TRACEBAR_SINK__TOPIC_FLUSH_INTERVAL_MS__SPANS: '3s', TRACEBAR_SINK__TOPIC_FLUSH_INTERVAL_MS__REVIEW: '100ms', TRACEBAR_SINK__MERGE_SELECTOR: 'Trivial' };
    const overridden = resolveSinkSettings(loadConfig({ env, cwd: '/nonexistent' }).config);
    expect(overridden.topicFlushIntervalMs).toMatchObject({ 'tracebar.spans.v1': 3_000, 'tracebar.review.v1': 100, 'tracebar.scores.v1': 250 });
    expect(overridden.replayTimeoutMs).toBe(30_000);
    expect(overridden.mergeSelector).toBe('Trivial');
  });

  it('refuse bounds that contradict each other, and retention under an hour, naming the key', () => {
    const issues = (sink: Record<string, unknown>) => configSchema.safeParse({ sink }).error?.issues.map((i) => i.path.join('.')) ?? [];
    expect(issues({ maxBatchBytes: '64MiB', maxBufferedBytes: '32MiB' })).toEqual(['sink.maxBufferedBytes']);
    expect(issues({ retryInitialMs: '10s', retryMaxMs: '1s' })).toEqual(['sink.retryMaxMs']);
    expect(issues({ retention: { spans: '30m' } })).toEqual(['sink.retention.spans']);
    expect(issues({ topics: ['spans', 'deadLetter'] })).toEqual(['sink.topics.1']);
    expect(issues({ topicFlushIntervalMs: { deadLetter: '1s' } })).toEqual(['sink.topicFlushIntervalMs']);
    expect(issues({ topicFlushIntervalMs: { scores: 0 } })).toEqual(['sink.topicFlushIntervalMs.scores']);
    expect(issues({ mergeSelector: 'Stochastic' })).toEqual(['sink.mergeSelector']);
    expect(() => loadConfig({ env: { TRACEBAR_SINK__MAX_BATCH_ROWS: '0' }, cwd: '/nonexistent' })).toThrow(ConfigError);
    expect(loadConfig({ env: { TRACEBAR_SINK__MAX_BATCH_ROWS: '2500' }, cwd: '/nonexistent' }).config.sink.maxBatchRows).toBe(2_500);
  });
});
