// The sink component: consumes tracebar's topics in one consumer group and writes their rows
// to ClickHouse in batches, idempotently, committing offsets only once ClickHouse has the rows.
// Lifecycle as in the OpenTelemetry Collector: start returns once subscribed; shutdown stops
// intake, writes what is buffered, commits, and is safe twice or without start.
import { join } from 'node:path';
import type { Bus, BusBatch, BusConsumer, TopicPartition, TopicPartitionOffset } from '@tracebar/bus';
import type { ClickHouse } from '@tracebar/clickhouse';
import type { TracebarConfig } from '@tracebar/config';
import { schemaHeader, topicCatalog } from '@tracebar/proto';
import type { Component, Logger, Registry } from '@tracebar/runtime';
import { backoffMs, sleep } from './batching/backoff.js';
import type { PendingRange } from './batching/pending-range.js';
import { SinkBuffers, type DecodedRecord } from './batching/sink-buffers.js';
import { writeCycle, type WriteCycleDeps } from './batching/write-cycle.js';
import { createDeadLetterPublisher, type DeadLetterEntry } from './dead-letters.js';
import { createSinkMetrics } from './metrics.js';
import { applyMergeSelector } from './merge-selector.js';
import { applyRetention } from './retention.js';
import { ByteWriter } from './rows/byte-writer.js';
import { RecordRejectedError } from './rows/clickhouse-values.js';
import { spanStorageProtoFile } from './rows/span-protobuf.js';
import { spanProtobufDecoder, topicDecoders, type TopicDecoder } from './rows/topic-decoders.js';
import { resolveSinkSettings, type SinkSettings } from './settings.js';
import { writeSpanSchema } from './store/insert-rows.js';
import { intentsFrom } from './store/sink-batches.js';
import { errorMessage } from './store/clickhouse-errors.js';

export interface SinkDeps {
  config: TracebarConfig;
  /** The bus, or a getter for one that exists only once its component started (`tracebar up`). */
  bus: Bus | (() => Bus);
  /** ClickHouse with tracebar's migrations applied, or a getter (same reason). */
  store: ClickHouse | (() => ClickHouse);
  logger: Logger;
  registry: Registry;
  /**
   * How span rows reach ClickHouse. `auto` (default): embedded chDB reads the SpanRecords itself
   * with its Protobuf input format (the sink only frames them); a server gets RowBinary, as it
   * cannot see the sink's schema file. `RowBinary`: always transcoded in JavaScript.
   */
  spanFormat?: 'auto' | 'RowBinary';
  /**
   * With Protobuf spans, an insert of fewer rows goes as RowBinary all the same: the engine's
   * fixed cost of planning the Protobuf insert (~20 ms of CPU) outweighs the sink's saving (~5 µs
   * a row) below about 2,000 rows. Default 2,000.
   */
  spanProtobufMinRows?: number;
  /** Test seams. */
  hooks?: {
    /** After a cycle's inserts, before its offset commit. */
    beforeCommit?: (ranges: readonly PendingRange[]) => Promise<void>;
  };
}

export interface Sink extends Component {
  /** Records buffered or being written, for tests and diagnostics. */
  stats(): { bufferedBytes: number; bufferedRows: number; paused: boolean };
}

/** How far back (before a partition's first redelivered record) the insert log is read. */
const replayLogSlackMs = 15 * 60_000;
const replayLogLimit = 100_000;

/** A RowBinary row takes about what its protobuf record does; JSON tables write nothing here. */
function rowBytesEstimate(batch: BusBatch): number {
  let bytes = 256;
  for (const record of batch.records) bytes += record.value.length;
  return Math.ceil(bytes * 1.1);
}

class StoppingError extends Error {
  constructor() {
    super('the sink is shutting down');
    this.name = 'StoppingError';
  }
}

export function createSink(deps: SinkDeps): Sink {
  const settings = resolveSinkSettings(deps.config);
  const logger = deps.logger.child({ component: 'sink' });
  const metrics = createSinkMetrics(deps.registry);
  const bus = typeof deps.bus === 'function' ? deps.bus : () => deps.bus as Bus;
  const store = typeof deps.store === 'function' ? deps.store : () => deps.store as ClickHouse;
  const decoders = new Map<string, { role: string; decoder: TopicDecoder; schema: string; schemaBytes: Buffer }>(
    settings.topics.map((t) => {
      const schema = topicCatalog[t.role].messageType;
      return [t.name, { role: t.role, decoder: topicDecoders[t.role], schema, schemaBytes: Buffer.from(schema) }];
    }),
  );
  const buffers = new SinkBuffers(settings);
  const deadLetters = createDeadLetterPublisher(bus, settings.deadLetterTopic, settings.consumerGroup);
  const stopController = new AbortController();
  const pendingCommits = new Map<string, TopicPartitionOffset>();
  let consumer: BusConsumer | undefined;
  let loop: Promise<void> | undefined;
  let storeDown = false;
  let wake: (() => void) | undefined;
  let roomWaiters: (() => void)[] = [];
  let stopping: Promise<void> | undefined;
  let spanSchema: string | undefined;

  const notify = () => wake?.();
  const freeRoom = () => {
    const waiters = roomWaiters;
    roomWaiters = [];
    for (const w of waiters) w();
  };
  const reportBuffer = () => metrics.buffered(buffers.bytes, buffers.rows);

  function setStoreDown(): void {
    if (storeDown || !consumer) return;
    storeDown = true;
    consumer.pause(consumer.assignment());
    metrics.paused(true);
    logger.warn('ClickHouse is refusing writes: consumption paused until it recovers');
  }

  function setStoreUp(): void {
    if (!storeDown) return;
    storeDown = false;
    metrics.paused(false);
    if (consumer && !stopController.signal.aborted) consumer.resume(consumer.paused());
    logger.info('ClickHouse accepts writes again: consumption resumed');
  }

  async function commit(offsets: readonly TopicPartitionOffset[]): Promise<void> {
    for (const o of offsets) pendingCommits.set(`${o.topic}\u0000${o.partition}`, o);
    if (!consumer) return;
    const owned = new Set(consumer.assignment().map((tp) => `${tp.topic}\u0000${tp.partition}`));
    for (const k of pendingCommits.keys()) if (!owned.has(k)) pendingCommits.delete(k);
    if (pendingCommits.size === 0) return;
    try {
      await consumer.commit([...pendingCommits.values()]);
      pendingCommits.clear();
    } catch (error) {
      // The rows are stored; a later cycle commits again, or the records are read again and
      // their inserts deduplicated.
      metrics.commitFailed();
      logger.warn({ err: error }, 'offset commit failed; retried with the next cycle');
    }
  }

  const cycleDeps: WriteCycleDeps = {
    store,
    group: settings.consumerGroup,
    insertConcurrency: settings.insertConcurrency,
    retryInitialMs: settings.retryInitialMs,
    retryMaxMs: settings.retryMaxMs,
    deadLetters,
    metrics,
    logger,
    storeDown: setStoreDown,
    storeUp: setStoreUp,
    commit,
    spanProtobufMinRows: deps.spanProtobufMinRows ?? deps.config.sink.spanProtobufMinRows,
    get spanSchema() {
      return spanSchema;
    },
    ...(deps.hooks?.beforeCommit ? { beforeCommit: deps.hooks.beforeCommit } : {}),
  };

  async function write(ranges: PendingRange[], signal: AbortSignal): Promise<void> {
    try {
      await writeCycle(ranges, cycleDeps, signal);
    } finally {
      for (const range of ranges) buffers.release(range);
      reportBuffer();
      freeRoom();
    }
  }

  async function runLoop(): Promise<void> {
    const signal = stopController.signal;
    while (!signal.aborted) {
      if (storeDown) await probeStore(signal);
      const due = buffers.takeDue(performance.now(), false);
      if (due.length === 0) {
        const waitMs = buffers.nextDueIn(performance.now()) ?? settings.flushIntervalMs;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.max(1, waitMs));
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = undefined;
        continue;
      }
      try {
        await write(due, signal);
      } catch (error) {
        if (!signal.aborted) logger.error({ err: error }, 'write cycle failed');
      }
    }
  }

  async function waitForRoom(): Promise<void> {
    while (buffers.bytes >= settings.maxBufferedBytes) {
      if (stopController.signal.aborted) throw new StoppingError();
      notify();
      await new Promise<void>((resolve) => roomWaiters.push(resolve));
    }
  }

  async function loadReplayLog(batch: BusBatch): Promise<void> {
    const first = batch.records[0];
    if (first === undefined) return;
    let intents;
    try {
      intents = await intentsFrom(store().client, {
        group: settings.consumerGroup,
        topic: batch.topic,
        partition: batch.partition,
        fromOffset: first.offset,
        sinceMs: first.timestamp - replayLogSlackMs,
        limit: replayLogLimit,
      });
    } catch (error) {
      // The batch comes again after the bus's backoff; meanwhile intake pauses like for a write.
      setStoreDown();
      throw error;
    }
    buffers.setReplayLog(batch.topic, batch.partition, intents);
  }

  /** Paused with nothing to write, only a probe can tell that ClickHouse is back. */
  async function probeStore(signal: AbortSignal): Promise<void> {
    for (let attempt = 0; storeDown && !signal.aborted && !buffers.hasDue(performance.now()); attempt++) {
      if (await store().ping()) {
        setStoreUp();
        return;
      }
      await sleep(backoffMs(attempt, settings.retryInitialMs, settings.retryMaxMs), signal).catch(() => undefined);
    }
  }

  async function handle(batch: BusBatch): Promise<void> {
    if (stopController.signal.aborted) throw new StoppingError();
    const topic = decoders.get(batch.topic);
    if (topic === undefined) return;
    if (buffers.needsReplayLog(batch.topic, batch.partition)) await loadReplayLog(batch);

    // The batch's RowBinary rows stay in this buffer until their ranges are written.
    const out = new ByteWriter(topic.decoder.writesOut ? rowBytesEstimate(batch) : 16);
    const decoded: DecodedRecord[] = [];
    const dead: DeadLetterEntry[] = [];
    let bytes = 0;
    let skipped = 0;
    for (const record of batch.records) {
      bytes += record.value.length;
      try {
        const schema = record.headers[schemaHeader];
        if (schema !== undefined && !schema.equals(topic.schemaBytes)) {
          throw new RecordRejectedError('SCHEMA_INVALID', `header ${schemaHeader} is ${schema.toString()}, the topic carries ${topic.schema}`);
        }
        const rows = topic.decoder.decode(record.value, out);
        if (rows.length === 0) skipped++;
        decoded.push({ record, rows });
      } catch (error) {
        if (!(error instanceof RecordRejectedError)) throw error;
        dead.push({ record, code: error.code, message: error.message, attempts: 1 });
        decoded.push({ record, rows: undefined });
      }
    }
    if (dead.length > 0) {
      await deadLetters.publish(dead);
      for (const d of dead) metrics.deadLettered(batch.topic, d.code, 1);
      logger.warn({ topic: batch.topic, partition: batch.partition, records: dead.length, first: { offset: dead[0]?.record.offset, code: dead[0]?.code, reason: dead[0]?.message } }, 'records dead-lettered');
    }
    const replayed = buffers.add(batch.topic, batch.partition, decoded, performance.now());
    for (let i = 0; i < replayed; i++) metrics.replayed(batch.topic);
    metrics.consumed(batch.topic, batch.records.length, bytes);
    if (skipped > 0) metrics.skipped(batch.topic, skipped);
    reportBuffer();
    notify();
    await waitForRoom();
  }

  /**
   * Embedded, spans go as framed SpanRecords read by the engine: its schema file is written into
   * the data folder (an absolute path works from any working directory). If it cannot be written,
   * spans go as RowBinary.
   */
  async function chooseSpanFormat(): Promise<void> {
    const ch = store();
    if ((deps.spanFormat ?? deps.config.sink.spanFormat) === 'RowBinary' || ch.mode !== 'embedded' || ch.dataPath === undefined) return;
    const path = join(ch.dataPath, 'format_schemas', spanStorageProtoFile);
    try {
      await writeSpanSchema(path);
    } catch (error) {
      logger.warn({ err: error, path }, 'could not write the span schema for the engine; spans go as RowBinary');
      return;
    }
    spanSchema = path;
    for (const topic of decoders.values()) if (topic.role === 'spans') topic.decoder = spanProtobufDecoder;
  }

  async function onAssigned(partitions: readonly TopicPartition[]): Promise<void> {
    // Paused partitions stay paused across rebalances, but new ones arrive unpaused.
    if (storeDown && consumer) consumer.pause(partitions);
    logger.info({ partitions: partitions.length }, 'partitions assigned');
  }

  function onRevoked(partitions: readonly TopicPartition[]): void {
    buffers.drop(partitions);
    reportBuffer();
    freeRoom();
    logger.info({ partitions: partitions.length }, 'partitions revoked: their buffered records are left to the next owner');
  }

  async function stop(deadline: AbortSignal): Promise<void> {
    const c = consumer;
    if (!c) return;
    c.pause(c.assignment());
    // Intake ends: the handler stops waiting for room, the write loop after its cycle.
    const abortLoop = new AbortController();
    const onDeadline = () => abortLoop.abort(deadline.reason);
    deadline.addEventListener('abort', onDeadline, { once: true });
    stopController.abort(new StoppingError());
    freeRoom();
    notify();
    try {
      await loop;
      const rest = buffers.takeDue(performance.now(), true);
      if (rest.length > 0 && !deadline.aborted) await write(rest, abortLoop.signal);
    } catch (error) {
      logger.warn({ err: error }, 'shutdown: buffered records were not all written; they are read again on restart');
    } finally {
      deadline.removeEventListener('abort', onDeadline);
      await c.close();
    }
  }

  return {
    name: 'sink',
    async start() {
      if (consumer || stopController.signal.aborted) return;
      try {
        await applyRetention(store().client, settings.retention, logger);
      } catch (error) {
        logger.warn({ err: error }, 'could not apply sink.retention to the tables; they keep their TTL');
      }
      const selector = settings.mergeSelector === 'auto' ? (store().mode === 'embedded' ? 'Trivial' : undefined) : settings.mergeSelector;
      try {
        if (selector !== undefined) await applyMergeSelector(store().client, selector, logger);
      } catch (error) {
        logger.warn({ err: error }, 'could not apply sink.mergeSelector to the tables; they keep their merge selector');
      }
      await chooseSpanFormat();
      consumer = await bus().subscribe({
        group: settings.consumerGroup,
        topics: settings.topics.map((t) => t.name),
        handler: handle,
        onAssigned,
        onRevoked,
        maxBatchRecords: settings.busBatchRecords,
        maxBatchBytes: settings.busBatchBytes,
        retryBackoffMs: settings.retryInitialMs * 10,
        onError: (error) => {
          if (!(error instanceof StoppingError)) logger.warn({ err: error, reason: errorMessage(error) }, 'sink could not take a batch; it comes again');
        },
      });
      loop = runLoop();
      logger.info({ group: settings.consumerGroup, topics: settings.topics.map((t) => t.name), spanFormat: spanSchema === undefined ? 'RowBinary' : 'Protobuf' }, 'sink started');
    },
    shutdown(deadline) {
      stopping ??= stop(deadline);
      return stopping;
    },
    readiness: {
      name: 'sink',
      async check() {
        if (!consumer || stopController.signal.aborted) return { ready: false, detail: 'not running' };
        if (storeDown) return { ready: false, detail: 'ClickHouse refuses writes; consumption paused' };
        return consumer.isReady() ? { ready: true } : { ready: false, detail: 'not a member of its consumer group yet' };
      },
    },
    stats: () => ({ bufferedBytes: buffers.bytes, bufferedRows: buffers.rows, paused: storeDown }),
  };
}

export type { SinkSettings };
