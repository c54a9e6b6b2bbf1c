// Pending ranges per topic partition: where decoded records wait for their write cycle, and
// where a partition re-creates, after a crash, the ranges its insert log recorded.
import type { BusRecord, TopicPartition } from '@tracebar/bus';
import type { TableLines } from '../rows/topic-decoders.js';
import type { InsertIntent } from '../store/sink-batches.js';
import { PendingRange } from './pending-range.js';

export interface BufferLimits {
  readonly maxBatchRows: number;
  readonly maxBatchBytes: number;
  readonly flushIntervalMs: number;
  /** Per topic name; a topic not named waits flushIntervalMs. */
  readonly topicFlushIntervalMs?: Readonly<Record<string, number>>;
  readonly maxBufferedBytes: number;
  readonly replayTimeoutMs: number;
}

interface PartitionState {
  /** How long a range of this partition's topic may wait for its write cycle. */
  readonly flushIntervalMs: number;
  /** Ranges recorded in the insert log and not yet re-created; undefined until loaded. */
  replay: InsertIntent[] | undefined;
  /** Complete ranges waiting for the next write cycle. */
  readonly sealed: PendingRange[];
  open: PendingRange | undefined;
}

export interface DecodedRecord {
  readonly record: BusRecord;
  /** undefined when the record was dead-lettered instead. */
  readonly rows: readonly TableLines[] | undefined;
}

function key(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

export class SinkBuffers {
  readonly #limits: BufferLimits;
  readonly #partitions = new Map<string, PartitionState>();
  /** Memory of every range not yet released: buffered and in a write cycle. */
  bytes = 0;
  rows = 0;

  constructor(limits: BufferLimits) {
    this.#limits = limits;
  }

  /** Whether the partition's insert log was read since it was assigned. */
  needsReplayLog(topic: string, partition: number): boolean {
    return this.#state(topic, partition).replay === undefined;
  }

  setReplayLog(topic: string, partition: number, intents: InsertIntent[]): void {
    this.#state(topic, partition).replay = intents;
  }

  /**
   * Adds one bus batch of a partition. Returns how many ranges began as re-creations of
   * logged ones.
   */
  add(topic: string, partition: number, records: readonly DecodedRecord[], now: number): number {
    const state = this.#state(topic, partition);
    let replayed = 0;
    for (const { record, rows } of records) {
      let range = state.open;
      if (range?.until !== undefined && record.offset >= range.until) {
        // A gap in the log (compaction, transaction markers): the logged range ends here.
        this.#seal(state);
        range = undefined;
      }
      if (range === undefined) {
        const boundary = nextBoundary(state, record);
        if (boundary.replayed) replayed++;
        range = new PendingRange(topic, partition, now, boundary.until);
        state.open = range;
      }
      const before = range.memoryBytes;
      const rowsBefore = range.rows;
      range.add(record, rows);
      this.bytes += range.memoryBytes - before;
      this.rows += range.rows - rowsBefore;
      if (range.until !== undefined ? range.complete : range.rows >= this.#limits.maxBatchRows || range.bytes >= this.#limits.maxBatchBytes) {
        this.#seal(state);
      }
    }
    return replayed;
  }

  /**
   * Takes the ranges whose time has come: complete ones, and open ones that are old enough
   * (or all of them, under memory pressure or at shutdown with `all`). A re-created range
   * stays until it is complete: written early, its inserts would not repeat the logged ones.
   * Topics with a shorter flush interval come first (their inserts start first in the cycle: a
   * verdict does not queue behind span inserts); the order changes no insert and no commit.
   */
  takeDue(now: number, all: boolean): PendingRange[] {
    const pressure = all || this.bytes >= this.#limits.maxBufferedBytes;
    const due: { range: PendingRange; flushIntervalMs: number }[] = [];
    for (const state of this.#partitions.values()) {
      for (const range of state.sealed.splice(0)) due.push({ range, flushIntervalMs: state.flushIntervalMs });
      const open = state.open;
      if (open === undefined || open.records.length === 0) continue;
      const ready = open.until !== undefined ? now - open.openedAt >= this.#limits.replayTimeoutMs : pressure || now >= flushDue(open.openedAt, state.flushIntervalMs);
      if (ready) {
        due.push({ range: open, flushIntervalMs: state.flushIntervalMs });
        state.open = undefined;
        if (open.until !== undefined) state.replay = [];
      }
    }
    return due.sort((a, b) => a.flushIntervalMs - b.flushIntervalMs).map((d) => d.range);
  }

  /** Whether a range would be taken now. */
  hasDue(now: number): boolean {
    return this.nextDueIn(now) === 0;
  }

  /** Milliseconds until the oldest open range falls due; undefined when nothing is buffered. */
  nextDueIn(now: number): number | undefined {
    let soonest: number | undefined;
    for (const state of this.#partitions.values()) {
      if (state.sealed.length > 0) return 0;
      const open = state.open;
      if (open === undefined || open.records.length === 0) continue;
      const wait = open.until !== undefined ? this.#limits.replayTimeoutMs - (now - open.openedAt) : flushDue(open.openedAt, state.flushIntervalMs) - now;
      soonest = Math.min(soonest ?? Infinity, Math.max(0, wait));
    }
    return soonest;
  }

  /** Forgets partitions this member lost: another member (or a restart) reads them again. */
  drop(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) {
      const k = key(tp.topic, tp.partition);
      const state = this.#partitions.get(k);
      if (state === undefined) continue;
      for (const range of [...state.sealed, ...(state.open ? [state.open] : [])]) this.release(range);
      this.#partitions.delete(k);
    }
  }

  /** A range written (or given up): its memory is free. */
  release(range: PendingRange): void {
    this.bytes -= range.memoryBytes;
    this.rows -= range.rows;
  }

  #state(topic: string, partition: number): PartitionState {
    const k = key(topic, partition);
    let state = this.#partitions.get(k);
    if (state === undefined) {
      state = { flushIntervalMs: this.#limits.topicFlushIntervalMs?.[topic] ?? this.#limits.flushIntervalMs, replay: undefined, sealed: [], open: undefined };
      this.#partitions.set(k, state);
    }
    return state;
  }

  #seal(state: PartitionState): void {
    if (state.open !== undefined && state.open.records.length > 0) state.sealed.push(state.open);
    state.open = undefined;
  }
}

/**
 * When a range opened at `openedAt` is written: at the next multiple of its flush interval (on the
 * monotonic clock), so no record waits longer than the interval, and the ranges of every partition
 * of a topic fall due together: one write cycle (one insert-log write) per interval instead of one
 * per partition.
 */
function flushDue(openedAt: number, intervalMs: number): number {
  return (Math.floor(openedAt / intervalMs) + 1) * intervalMs;
}

/**
 * Where a range starting at this record must end, if the insert log says so: at the end of the
 * logged range that starts here with these very records (same offset, same producer
 * timestamp). Logged ranges behind the record are dropped. Anything else ends the replay: a
 * logged range always starts where the previous one ended, so a mismatch means the log is of
 * another incarnation of the topic (the in-process bus after a restart, a recreated topic).
 */
function nextBoundary(state: PartitionState, record: BusRecord): { until: number | undefined; replayed: boolean } {
  const intents = state.replay;
  if (intents === undefined || intents.length === 0) return { until: undefined, replayed: false };
  while (intents.length > 0 && (intents[0] as InsertIntent).firstOffset < record.offset) intents.shift();
  const head = intents[0];
  if (head === undefined) return { until: undefined, replayed: false };
  let match: InsertIntent | undefined;
  while (intents.length > 0 && (intents[0] as InsertIntent).firstOffset === record.offset) {
    const candidate = intents.shift() as InsertIntent;
    if (match === undefined && candidate.firstTimestamp === record.timestamp) match = candidate;
  }
  if (match === undefined) {
    intents.length = 0;
    return { until: undefined, replayed: false };
  }
  return { until: match.nextOffset, replayed: true };
}
