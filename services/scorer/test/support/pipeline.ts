// The sessionizer and the scorer on one in-process bus, and a reader of what the scorer publishes.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createMemoryBus, type Bus, type BusConsumer } from '@tracebar/bus';
import { configSchema, type TracebarConfig } from '@tracebar/config';
import { alertFromJsonLine, decodeScoreRecord, reviewItemFromJsonLine, type Alert, type ReviewItem, type ScoreRecord } from '@tracebar/proto';
import { createLogger, createMetricsRegistry, type Logger, type Registry } from '@tracebar/runtime';
import { createSessionizer, type Sessionizer } from '@tracebar/sessionizer';
import { createScorer, type Scorer, type ScorerDeps } from '../../src/index.js';
import { sessionMessages, type AgentSession } from './agent-sessions.js';

export const repoConfig = path.resolve(import.meta.dirname, '../../../../config');

export const quietLogger = (): Logger => createLogger({ name: 'test', level: process.env.TRACEBAR_TEST_LOG ?? 'silent' });

/** A folder of objective files (name -> YAML). */
export function objectivesFolder(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'tracebar-scorer-objectives-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}

export function scorerConfig(options: { objectivesDir: string; scorer?: Record<string, unknown>; sessionsMaxMessageBytes?: number }): TracebarConfig {
  const topic = (name: string, maxMessageBytes = 1_048_576) => ({ name, partitions: 3, retentionMs: 3_600_000, maxMessageBytes });
  return configSchema.parse({
    topics: {
      spans: topic('spans'),
      sessions: topic('sessions', options.sessionsMaxMessageBytes),
      scores: topic('scores'),
      review: topic('review'),
    },
    sessionizer: { idleGapMs: 60_000, allowedLatenessMs: 20, commitIntervalMs: 0 },
    scorer: { objectivesDir: options.objectivesDir, taxonomyFile: path.join(repoConfig, 'taxonomy.yaml'), commitIntervalMs: 0, ...options.scorer },
  });
}

export class ResultsReader {
  readonly scores: ScoreRecord[] = [];
  readonly reviews: ReviewItem[] = [];
  readonly alerts: Alert[] = [];
  #consumer: BusConsumer | undefined;

  static async start(bus: Bus, config: TracebarConfig, group = 'results-reader'): Promise<ResultsReader> {
    const reader = new ResultsReader();
    reader.#consumer = await bus.subscribe({
      group,
      topics: [config.topics.scores.name, config.topics.review.name, config.topics.alerts.name],
      handler: (batch) => {
        for (const r of batch.records) {
          if (batch.topic === config.topics.scores.name) reader.scores.push(decodeScoreRecord(r.value));
          else if (batch.topic === config.topics.alerts.name) reader.alerts.push(alertFromJsonLine(r.value.toString('utf8')));
          else reader.reviews.push(reviewItemFromJsonLine(r.value.toString('utf8')));
        }
        return Promise.resolve();
      },
    });
    return reader;
  }

  close(): Promise<void> {
    return this.#consumer?.close() ?? Promise.resolve();
  }
}

export async function waitFor(what: string, condition: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export interface Pipeline {
  bus: Bus;
  config: TracebarConfig;
  registry: Registry;
  sessionizer: Sessionizer;
  scorer: Scorer;
  reader: ResultsReader;
  send(sessions: AgentSession[]): Promise<void>;
  stop(): Promise<void>;
}

export async function startPipeline(config: TracebarConfig, extra: Partial<ScorerDeps> = {}): Promise<Pipeline> {
  const bus = createMemoryBus({ maxPartitionBytes: 256 * 1_048_576, maxPartitionMessages: 1_000_000 });
  await bus.ensureTopics(
    [config.topics.spans, config.topics.sessions, config.topics.scores, config.topics.review, config.topics.alerts].map((t) => ({
      name: t.name,
      partitions: t.partitions,
      retentionMs: t.retentionMs,
      maxMessageBytes: t.maxMessageBytes,
    })),
  );
  const registry = createMetricsRegistry();
  const reader = await ResultsReader.start(bus, config);
  const scorer = createScorer({ config, bus, logger: quietLogger(), registry, ...extra });
  await scorer.start();
  const sessionizer = createSessionizer({ config, bus, logger: quietLogger(), registry });
  await sessionizer.start();
  return {
    bus,
    config,
    registry,
    sessionizer,
    scorer,
    reader,
    send: (sessions) => bus.publish(config.topics.spans.name, sessions.flatMap(sessionMessages)),
    async stop() {
      await sessionizer.shutdown(AbortSignal.timeout(5_000));
      await scorer.shutdown(AbortSignal.timeout(5_000));
      await reader.close();
      await bus.close();
    },
  };
}
