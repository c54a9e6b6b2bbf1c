import type { Bus } from '@tracebar/bus';
import type { ClickHouse } from '@tracebar/clickhouse';
import { configSchema, type TracebarConfig } from '@tracebar/config';
import { createLogger, Registry, type Logger } from '@tracebar/runtime';
import { createSink, type Sink, type SinkDeps } from '../../src/index.js';

let unique = 0;

/** Topic names no other test uses (the Kafka broker is shared by every test file). */
export function uniqueTopics(prefix: string): TracebarConfig['topics'] {
  const id = `${prefix}-${process.pid}-${Date.now()}-${unique++}`;
  const topic = (role: string, partitions: number) => ({ name: `t.${id}.${role}`, partitions, replicationFactor: 1, retentionMs: 3_600_000, maxMessageBytes: 8 * 1_048_576 });
  return {
    spans: topic('spans', 3),
    sessions: topic('sessions', 2),
    scores: topic('scores', 2),
    review: topic('review', 1),
    alerts: topic('alerts', 1),
    labels: topic('labels', 1),
    deadLetter: topic('deadletter', 1),
  };
}

export function testConfig(sink: Record<string, unknown> = {}, topics = uniqueTopics('sink')): TracebarConfig {
  return configSchema.parse({ topics, sink: { flushIntervalMs: 100, retryInitialMs: 20, retryMaxMs: 200, ...sink } });
}

export function quietLogger(): Logger {
  return createLogger({ name: 'sink-test', level: process.env['TEST_LOG_LEVEL'] ?? 'silent' });
}

export function startSink(config: TracebarConfig, bus: Bus, store: ClickHouse, extra: Partial<SinkDeps> = {}): { sink: Sink; registry: Registry } {
  const registry = new Registry();
  const sink = createSink({ config, bus, store, logger: quietLogger(), registry, ...extra });
  return { sink, registry };
}

/** A counter's or gauge's value (a histogram's observation count), summed over matching label sets. */
export async function metricValue(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (!metric) return 0;
  const data = await metric.get();
  return data.values
    .filter((v) => {
      const series = (v as { metricName?: string }).metricName;
      return series === undefined || series === name || series === `${name}_count`;
    })
    .filter((v) => Object.entries(labels).every(([k, val]) => (v.labels as Record<string, unknown>)[k] === val))
    .reduce((sum, v) => sum + v.value, 0);
}

export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000, everyMs = 25): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
