// Running the component against a bus: config, a reader of the sessions topic, keys per partition.
import { partitionFor, type Bus, type BusConsumer } from '@tracebar/bus';
import { configSchema, type TracebarConfig } from '@tracebar/config';
import { decodeSessionRecord, sessionRecordKey, type SessionRecord } from '@tracebar/proto';
import { createLogger, createMetricsRegistry, type Logger, type Registry } from '@tracebar/runtime';
import { createSessionizer, type Sessionizer } from '../src/index.js';
import { joinSessionParts } from '../src/join-parts.js';

export function testConfig(options: {
  spans: string;
  sessions: string;
  group: string;
  partitions?: number;
  sessionsMaxMessageBytes?: number;
  sessionizer?: Record<string, unknown>;
}): TracebarConfig {
  return configSchema.parse({
    topics: {
      spans: { name: options.spans, partitions: options.partitions ?? 3, retentionMs: 3_600_000 },
      sessions: { name: options.sessions, partitions: options.partitions ?? 3, retentionMs: 3_600_000, maxMessageBytes: options.sessionsMaxMessageBytes ?? 1_048_576 },
    },
    sessionizer: { consumerGroup: options.group, commitIntervalMs: 0, ...options.sessionizer },
  });
}

export async function ensureTopics(bus: Bus, config: TracebarConfig): Promise<void> {
  await bus.ensureTopics(
    [config.topics.spans, config.topics.sessions].map((t) => ({ name: t.name, partitions: t.partitions, retentionMs: t.retentionMs, maxMessageBytes: t.maxMessageBytes })),
  );
}

export const quietLogger = (): Logger => createLogger({ name: 'test', level: process.env.TRACEBAR_TEST_LOG ?? 'silent' });

export function startSessionizer(bus: Bus, config: TracebarConfig, registry: Registry = createMetricsRegistry()): Sessionizer {
  const sessionizer = createSessionizer({ config, bus, logger: quietLogger(), registry });
  void sessionizer.start();
  return sessionizer;
}

export interface ReadSession {
  key: string;
  partition: number;
  record: SessionRecord;
  value: Buffer;
  headers: Record<string, string>;
}

/** Everything on the sessions topic, read by a group of its own. */
export class SessionsReader {
  readonly records: ReadSession[] = [];
  #consumer: BusConsumer | undefined;

  static async start(bus: Bus, topic: string, group: string): Promise<SessionsReader> {
    const reader = new SessionsReader();
    reader.#consumer = await bus.subscribe({
      group,
      topics: [topic],
      handler: (batch) => {
        for (const r of batch.records) {
          reader.records.push({
            key: r.key.toString(),
            partition: r.partition,
            record: decodeSessionRecord(r.value),
            value: r.value,
            headers: Object.fromEntries(Object.entries(r.headers).map(([k, v]) => [k, v.toString()])),
          });
        }
        return Promise.resolve();
      },
    });
    return reader;
  }

  /** Whole records (parts joined), one entry per record read: a re-emission appears twice. */
  sessions(): { key: string; revision: number; digest: string; spans: string[]; record: SessionRecord }[] {
    const out: { key: string; revision: number; digest: string; spans: string[]; record: SessionRecord }[] = [];
    const pending = new Map<string, ReadSession[]>();
    for (const read of this.records) {
      const { record } = read;
      if (record.partCount <= 1) {
        out.push({ key: read.key, revision: record.revision, digest: record.contentDigest, spans: spanIds(record), record });
        continue;
      }
      const id = `${read.key}#${record.revision}#${record.contentDigest}`;
      const parts = [...(pending.get(id) ?? []), read];
      pending.set(id, parts);
      if (new Set(parts.map((p) => p.record.partIndex)).size === record.partCount) {
        const joined = joinSessionParts(parts.map((p) => p.value));
        if (!joined.digestMatches) throw new Error(`parts of ${id} do not match their digest`);
        out.push({ key: read.key, revision: record.revision, digest: record.contentDigest, spans: spanIds(joined.record), record: joined.record });
        pending.delete(id);
      }
    }
    return out;
  }

  async close(): Promise<void> {
    await this.#consumer?.close();
  }
}

function spanIds(record: SessionRecord): string[] {
  return record.spans.map((span) => span.spanId.replace(/^0+/, ''));
}

/** A session key (tenant "default") whose records land on `partition`. */
export function keyOn(partition: number, partitions: number, prefix: string): string {
  for (let i = 0; ; i++) {
    const key = `${prefix}-${i}`;
    if (partitionFor(sessionRecordKey('default', key), partitions) === partition) return key;
  }
}

export async function waitFor(what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
