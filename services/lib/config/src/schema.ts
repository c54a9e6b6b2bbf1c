import { z } from 'zod';
import { byteSize, durationMs } from './units.js';

const port = z.number().int().min(0).max(65_535);
const host = z.string().min(1);

const endpoint = (defaultPort: number) =>
  z.strictObject({ host: host.default('127.0.0.1'), port: port.default(defaultPort) }).prefault({});

const topic = (name: string, overrides: { partitions?: number; retentionMs?: number; maxMessageBytes?: number } = {}) =>
  z
    .strictObject({
      /** Kafka topic name; the version suffix changes when the message schema breaks. */
      name: z.string().regex(/^[a-zA-Z0-9._-]{1,249}$/, 'expected a Kafka topic name (letters, digits, . _ -)').default(name),
      partitions: z.number().int().min(1).max(10_000).default(overrides.partitions ?? 12),
      replicationFactor: z.number().int().min(1).max(16).default(1),
      retentionMs: durationMs.default(overrides.retentionMs ?? 7 * 86_400_000),
      maxMessageBytes: byteSize.pipe(z.number().min(1_024)).default(overrides.maxMessageBytes ?? 1_048_576),
    })
    .prefault({});

export const topicsSchema = z
  .strictObject({
    spans: topic('tracebar.spans.v1', { retentionMs: 3 * 86_400_000 }),
    sessions: topic('tracebar.sessions.v1', { maxMessageBytes: 8 * 1_048_576 }),
    scores: topic('tracebar.scores.v1'),
    review: topic('tracebar.review.v1', { partitions: 3 }),
    alerts: topic('tracebar.alerts.v1', { partitions: 1 }),
    labels: topic('tracebar.labels.v1', { partitions: 3 }),
    deadLetter: topic('tracebar.deadletter.v1', { partitions: 1, retentionMs: 30 * 86_400_000, maxMessageBytes: 8 * 1_048_576 }),
  })
  .prefault({});

const kafkaSchema = z
  .strictObject({
    brokers: z
      .array(z.string().regex(/^[^\s:]+:\d{1,5}$/, 'expected host:port'))
      .min(1, 'expected at least one broker host:port')
      .default(['127.0.0.1:9092']),
    clientId: z.string().min(1).default('tracebar'),
    connectTimeoutMs: durationMs.default(10_000),
    requestTimeoutMs: durationMs.default(30_000),
    sessionTimeoutMs: durationMs.default(30_000),
    heartbeatIntervalMs: durationMs.default(3_000),
  })
  .prefault({});

const memoryBusSchema = z
  .strictObject({
    /**
     * Bound of one topic partition's retained (not yet committed by every group) messages in
     * memory. With `durable`, older ones leave memory at this bound and are read back from the
     * files when a group gets to them; `maxPartitionDiskBytes` bounds them all.
     */
    maxPartitionBytes: byteSize.default(64 * 1_048_576),
    maxPartitionMessages: z.number().int().min(1).default(100_000),
    /**
     * Partitions of a topic the in-process bus creates: the topic's own `partitions`, at most this.
     * One process holds one member of each group, so partitions there buy no parallelism, while
     * each costs the sink an insert per table and flush and the files an fdatasync per flush.
     * Topics already on disk keep the partitions they were created with.
     */
    maxPartitions: z.number().int().min(1).max(10_000).default(1),
    /**
     * `durable` only: bound of one topic partition's retained messages, on disk and in memory; at it
     * publishers wait. The spans topic retains about span bytes/s × (session duration + idle gap +
     * revision window): 8 GiB holds ~6 minutes of 16k spans/s of 1.3 KB.
     */
    maxPartitionDiskBytes: byteSize.pipe(z.number().min(1_048_576)).default(8 * 1_073_741_824),
    /**
     * Keep every partition in segment files and the groups' offsets on disk too: publish is
     * acknowledged after the fdatasync, and a restart (kill -9 included) resumes where it stopped.
     */
    durable: z.boolean().default(true),
    /** Where those files live; unset means `<dataDir>/bus`. Relative paths resolve against the working directory. */
    dir: z.string().min(1).optional(),
    /** A partition's segment file is rolled at this size; whole segments are deleted once every group is past them. */
    segmentBytes: byteSize.pipe(z.number().min(4_096)).default(16 * 1_048_576),
  })
  .prefault({});

export const busSchema = z
  .strictObject({
    kind: z.enum(['memory', 'kafka']).default('memory'),
    /** Bytes a producer may have unacknowledged before publish waits, then fails retryably. */
    maxInFlightBytes: byteSize.default(64 * 1_048_576),
    publishTimeoutMs: durationMs.default(5_000),
    memory: memoryBusSchema,
    kafka: kafkaSchema,
  })
  .prefault({});

export const clickhouseSchema = z
  .strictObject({
    /** A ClickHouse server's HTTP(S) URL; unset means the embedded chDB engine under dataDir. */
    url: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL such as http://127.0.0.1:8123' }).optional(),
    username: z.string().default('default'),
    password: z.string().default(''),
    database: z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'expected a database identifier').default('tracebar'),
    requestTimeoutMs: durationMs.default(30_000),
  })
  .prefault({});

const maskPattern = z.union([
  z.enum(['email', 'card', 'ipv4', 'bearer']),
  z.strictObject({
    name: z.string().min(1),
    /** A JavaScript regular expression source, applied globally to string values. */
    regex: z.string().min(1).refine((source) => {
      try {
        new RegExp(source, 'g');
        return true;
      } catch {
        return false;
      }
    }, 'expected a valid regular expression'),
    replacement: z.string().default('[redacted]'),
  }),
]);

export const ingestSchema = z
  .strictObject({
    /**
     * API keys and the tenant each maps to. Empty (the embedded default, bound to 127.0.0.1)
     * means no key is asked for and everything is tenant `default`.
     */
    apiKeys: z
      .array(
        z.strictObject({
          key: z.string().min(16, 'expected an API key of at least 16 characters'),
          tenant: z.string().regex(/^[a-zA-Z0-9._-]{1,64}$/, 'expected a tenant id: 1-64 letters, digits, . _ -'),
        }),
      )
      .default([]),
    /** Largest request body, counted after decompression (so a gzip bomb stops here). */
    maxBodyBytes: byteSize.pipe(z.number().min(1_024)).default(16 * 1_048_576),
    maxSpansPerRequest: z.number().int().min(1).default(100_000),
    /** Attributes kept per span (beyond: dropped and counted, as OTel SDK limits do). */
    maxAttributesPerSpan: z.number().int().min(1).default(1_024),
    /** String attribute values longer than this many characters are truncated (and counted). */
    maxAttributeValueLength: z.number().int().min(16).default(65_536),
    /** Decoded request bytes held while waiting for the bus to acknowledge; beyond it, refuse retryably. */
    maxInFlightBytes: byteSize.default(128 * 1_048_576),
    /** Retry-After sent with a retryable refusal. */
    retryAfterMs: durationMs.default(1_000),
    redaction: z
      .strictObject({
        /** Attribute keys removed before anything leaves ingest; `*` matches any run of characters. */
        dropKeys: z.array(z.string().min(1)).default([]),
        /** Attribute keys whose values are replaced by a salted SHA-256 (joinable, not readable). */
        hashKeys: z.array(z.string().min(1)).default([]),
        hashSalt: z.string().default(''),
        /** Built-in patterns (email, card, ipv4, bearer) or { name, regex, replacement }, masked in string values. */
        maskPatterns: z.array(maskPattern).default([]),
      })
      .prefault({}),
  })
  .prefault({});

export const sessionizerSchema = z
  .strictObject({
    /** Consumer group of the sessionizer instances; instances of one group share the spans partitions. */
    consumerGroup: z.string().min(1).default('tracebar-sessionizer'),
    /** A session closes when none of its spans was received for this long (processing time; see the README). */
    idleGapMs: durationMs.pipe(z.number().min(1)).default(60_000),
    /** Idle gap per `service.name` (that of the session's first span naming one), overriding idleGapMs. */
    idleGapByService: z.record(z.string().min(1), durationMs.pipe(z.number().min(1))).default({}),
    /**
     * Processing time a session must be quiet before event-time idleness or an end marker closes it,
     * and how long a partition may deliver nothing before the wall clock advances its watermark.
     */
    allowedLatenessMs: durationMs.default(5_000),
    /** How long a closed session is remembered after its idle gap, so that late spans make revision n+1. */
    revisionWindowMs: durationMs.default(300_000),
    /** Per session: beyond these, the session is closed and flagged truncated. */
    maxSessionDurationMs: durationMs.pipe(z.number().min(1)).default(3_600_000),
    maxSessionSpans: z.number().int().min(1).default(10_000),
    maxSessionBytes: byteSize.pipe(z.number().min(1_024)).default(32 * 1_048_576),
    /** Per instance: at either cap the oldest open session is force-closed (evicted). */
    maxOpenSessions: z.number().int().min(1).default(100_000),
    /** Span bytes held per instance: open sessions and closed ones remembered for revisions. */
    maxOpenBytes: byteSize.pipe(z.number().min(1_048_576)).default(1_073_741_824),
    /** Characters kept of user inputs and outputs in turns and the summary. */
    maxTextLength: z.number().int().min(16).default(4_096),
    /** Least time between offset commits (after the sessions closed so far are published). */
    commitIntervalMs: durationMs.default(1_000),
  })
  .prefault({});

/** How long rows are kept (ClickHouse TTL); 0 keeps them forever. At least an hour otherwise. */
const retention = durationMs.refine((ms) => ms === 0 || ms >= 3_600_000, 'expected 0 (keep forever) or a duration of at least 1h');

export const sinkSchema = z
  .strictObject({
    /** Consumer group of the sink instances; instances of one group share the partitions. */
    consumerGroup: z.string().min(1).default('tracebar-sink'),
    /** Topics (by role in `topics`) the sink writes to ClickHouse. */
    topics: z
      .array(z.enum(['spans', 'sessions', 'scores', 'review', 'labels', 'alerts']))
      .min(1)
      .default(['spans', 'sessions', 'scores', 'review', 'labels', 'alerts']),
    /** A topic partition's pending rows are inserted once they reach this many rows... */
    maxBatchRows: z.number().int().min(1).default(10_000),
    /** ...or this many bytes (as encoded for the insert)... */
    maxBatchBytes: byteSize.pipe(z.number().min(1_024)).default(16 * 1_048_576),
    /** ...or at the next multiple of this interval, so none waits longer (per topic: topicFlushIntervalMs). */
    flushIntervalMs: durationMs.pipe(z.number().min(1)).default(1_000),
    /**
     * flushIntervalMs of one topic role. The scores and review topics carry what readers wait for
     * (a session's verdict and review item, close → queryable), so they are written sooner.
     */
    topicFlushIntervalMs: z
      .strictObject({
        spans: durationMs.pipe(z.number().min(1)).optional(),
        sessions: durationMs.pipe(z.number().min(1)).optional(),
        scores: durationMs.pipe(z.number().min(1)).default(250),
        review: durationMs.pipe(z.number().min(1)).default(250),
        labels: durationMs.pipe(z.number().min(1)).optional(),
        alerts: durationMs.pipe(z.number().min(1)).optional(),
      })
      .prefault({}),
    /** Encoded rows held per instance while waiting for ClickHouse; at the bound, consumption waits. */
    maxBufferedBytes: byteSize.default(128 * 1_048_576),
    /** Inserts in flight at once (one per table and topic partition). */
    insertConcurrency: z.number().int().min(1).max(64).default(4),
    /** Span rows into embedded chDB: `auto` lets the engine read SpanRecords itself (Protobuf format); `RowBinary` transcodes in the sink. A server always gets RowBinary. */
    spanFormat: z.enum(['auto', 'RowBinary']).default('auto'),
    /** Span inserts smaller than this go as RowBinary even in `auto` (the engine's fixed cost per Protobuf insert outweighs the saving). */
    spanProtobufMinRows: z.number().int().min(1).default(2_000),
    /**
     * How ClickHouse picks parts to merge in the sink's tables: `auto` = `Trivial` in embedded chDB
     * (tiers of ten parts; the default selector rewrites a table's largest part with every few small
     * inserts) and the server's own setting otherwise. Applied at sink start.
     */
    mergeSelector: z.enum(['auto', 'Trivial', 'Simple']).default('auto'),
    /** Backoff of a failed insert: doubles from retryInitialMs up to retryMaxMs, with full jitter. */
    retryInitialMs: durationMs.pipe(z.number().min(1)).default(100),
    retryMaxMs: durationMs.pipe(z.number().min(1)).default(30_000),
    retention: z
      .strictObject({
        spans: retention.default(30 * 86_400_000),
        sessions: retention.default(90 * 86_400_000),
        /** The verdicts and scores tables. */
        scores: retention.default(365 * 86_400_000),
        reviewItems: retention.default(365 * 86_400_000),
        alerts: retention.default(365 * 86_400_000),
        labels: retention.default(0),
      })
      .prefault({}),
  })
  .superRefine((sink, ctx) => {
    if (sink.maxBufferedBytes < sink.maxBatchBytes) {
      ctx.addIssue({ code: 'custom', path: ['maxBufferedBytes'], message: 'expected at least maxBatchBytes' });
    }
    if (sink.retryMaxMs < sink.retryInitialMs) {
      ctx.addIssue({ code: 'custom', path: ['retryMaxMs'], message: 'expected at least retryInitialMs' });
    }
  })
  .prefault({});

/** An OpenAI-compatible endpoint and the model to ask, each attempt bounded by timeoutMs. */
function openAiEndpoint(defaultTimeoutMs: number) {
  return z.strictObject({
    url: z.url(),
    model: z.string().min(1),
    apiKey: z.string().optional(),
    timeoutMs: durationMs.pipe(z.number().min(1)).default(defaultTimeoutMs),
    retries: z.number().int().min(0).max(10).default(2),
  });
}

export const scorerSchema = z
  .strictObject({
    /** Consumer group of the scorer instances; instances of one group share the sessions partitions. */
    consumerGroup: z.string().min(1).default('tracebar-scorer'),
    /** Objective files (*.yaml). A missing folder means only the built-in `default` objective. */
    objectivesDir: z.string().min(1).default('./config/objectives'),
    /** The failure taxonomy; missing file means the built-in version 1 (identical to config/taxonomy.yaml). */
    taxonomyFile: z.string().min(1).default('./config/taxonomy.yaml'),
    /** Each evaluator run is aborted after this long and scored "unscored" (reason: timeout). */
    evaluatorTimeoutMs: durationMs.pipe(z.number().min(1)).default(10_000),
    /** Sessions scored at the same time per instance. */
    concurrency: z.number().int().min(1).max(1_024).default(16),
    /** Sessions whose review priority reaches this get a review item (failing sessions always do). */
    reviewThreshold: z.number().min(0).max(1).default(0.35),
    /** A failed session whose review priority reaches this also gets an alert (ALERT_KIND_SESSION) on the alerts topic; `off`: none. */
    alertPriority: z.union([z.number().min(0).max(1), z.literal('off')]).default(0.8),
    /** Model name (or prefix) -> context window in tokens, added to the built-in table. */
    modelWindows: z.record(z.string().min(1), z.number().int().min(1)).default({}),
    /** An OpenAI-compatible chat-completions endpoint for llm_judge evaluators; unset = they are unscored. */
    judge: openAiEndpoint(30_000).optional(),
    /**
     * An OpenAI-compatible embeddings endpoint (POST {url}/embeddings); when set, reasoning_drift also
     * compares the request and the final answer by meaning. Unset or unreachable: words only.
     */
    embeddings: openAiEndpoint(10_000).optional(),
    /** Least time between offset commits (after the batch's scores are published). */
    commitIntervalMs: durationMs.default(1_000),
  })
  .prefault({});

export const configSchema = z.strictObject({
  /** Embedded data (chDB files) lives here. */
  dataDir: z.string().min(1).default('./.tracebar'),
  log: z
    .strictObject({
      level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    })
    .prefault({}),
  admin: endpoint(13_133),
  otlp: z.strictObject({ grpc: endpoint(4_317), http: endpoint(4_318) }).prefault({}),
  ingest: ingestSchema,
  sessionizer: sessionizerSchema,
  scorer: scorerSchema,
  sink: sinkSchema,
  bus: busSchema,
  topics: topicsSchema,
  clickhouse: clickhouseSchema,
  shutdown: z
    .strictObject({
      /** How long a graceful shutdown may take to drain in-flight work before the process exits anyway. */
      timeoutMs: durationMs.default(30_000),
    })
    .prefault({}),
});

export type TracebarConfig = z.infer<typeof configSchema>;
export type TopicConfig = TracebarConfig['topics']['spans'];
export type TopicRole = keyof TracebarConfig['topics'];
export type IngestConfig = TracebarConfig['ingest'];
export type SessionizerConfig = TracebarConfig['sessionizer'];
export type SinkConfig = TracebarConfig['sink'];
export type ScorerConfig = TracebarConfig['scorer'];
