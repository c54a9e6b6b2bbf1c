// The sessionizer without transport: records of a partition in, session records out, and the
// offset each partition may commit. Synchronous and deterministic given the records (except
// for the two inputs that are not in the log: the wall clock of a silent partition and the
// instance-wide memory cap). The component (sessionizer.ts) feeds it from the bus.
import { CloseReason } from '@tracebar/proto';
import { PartitionState } from './partition-state.js';
import { RecordAssembler } from './record-assembler.js';
import { encodeSession } from './session-encoder.js';
import { SESSION_OVERHEAD_BYTES, SessionState } from './session-state.js';
import type { SessionizerSettings } from './config.js';
import { ChunkPool, ROW_CHUNK, ROW_FIELDS, ROW_SPAN_AT, ROW_SPAN_LENGTH, ROW_TRACE_AT, ROW_TRACE_LENGTH, SPAN_CHUNK_BYTES } from './span-store.js';
import { bytesEqual } from './byte-ranges.js';
import { emptyHead, readSpanHead, type SpanHead } from './span-head.js';

/** What the core needs of a consumed record (a BusRecord has it all). */
export interface CoreRecord {
  offset: number;
  key: Buffer;
  value: Buffer;
  /** Producer or append time, ms; stands in for a missing received time. */
  timestamp: number;
}

/** One closed session (or revision), ready to publish: one value per part, in order. */
export interface Emission {
  partition: number;
  /**
   * Offset of the session's first span: with the key, it tells incarnations of a key apart (a
   * key seen again after its revision window starts over at revision 1; see the README).
   */
  firstOffset: number;
  key: Buffer;
  values: Buffer[];
  revision: number;
  closeReason: CloseReason;
  bytes: number;
}

export type DropReason = 'malformed' | 'duplicate' | 'truncated' | 'evicted' | 'released';

/** What the core reports as it goes; the component turns it into metrics. */
export interface CoreObserver {
  spansConsumed(count: number): void;
  spanDropped(reason: DropReason, count: number): void;
  lateSpan(): void;
  sessionClosed(reason: CloseReason, revision: number, parts: number): void;
  forgotten(reason: 'window' | 'memory'): void;
  /** A closed session's spans were released before its revision window ended (memory cap). */
  released(): void;
}

export interface CoreStats {
  partitions: number;
  openSessions: number;
  openBytes: number;
  rememberedSessions: number;
  rememberedBytes: number;
  /** Span chunks released by dropped sessions, kept for reuse. */
  pooledBytes: number;
  uncommittedRecords: number;
}

export interface CommitOffset {
  partition: number;
  offset: number;
}

export interface SessionizerCore {
  assign(partition: number, nowMs: number): void;
  /** Drops the partition's sessions without emitting them: its next owner re-reads them. */
  revoke(partition: number): void;
  owns(partition: number): boolean;
  partitions(): number[];
  /** Absorbs one partition's records in offset order; records at offsets already absorbed are skipped. */
  absorb(partition: number, records: readonly CoreRecord[], nowMs: number): void;
  /**
   * Advances processing time of partitions that delivered nothing since max(their last batch,
   * `quietSinceMs`) for longer than the allowed lateness, by the wall time beyond it.
   */
  extendSilent(nowMs: number, quietSinceMs: number): void;
  /** Sessions closed since the last call, in the order they closed. */
  takeEmissions(): Emission[];
  /** Partitions whose commit floor moved past what was committed. */
  pendingCommits(): CommitOffset[];
  markCommitted(offsets: readonly CommitOffset[]): void;
  stats(): CoreStats;
}

const NO_OBSERVER: CoreObserver = {
  spansConsumed: () => undefined,
  spanDropped: () => undefined,
  lateSpan: () => undefined,
  sessionClosed: () => undefined,
  forgotten: () => undefined,
  released: () => undefined,
};

const CAP_REASONS = new Set<CloseReason>([CloseReason.CLOSE_REASON_MAX_DURATION, CloseReason.CLOSE_REASON_MAX_SPANS, CloseReason.CLOSE_REASON_MAX_BYTES]);
/** Key, headers and Kafka batch framing around a record value (see the bus README). */
const RECORD_FRAMING_BYTES = 512;

export function createSessionizerCore(settings: SessionizerSettings, observer: CoreObserver = NO_OBSERVER): SessionizerCore {
  const partitions = new Map<number, PartitionState>();
  /** Open sessions, least recently opened first (eviction order). */
  const openOrder = new Set<SessionState>();
  /** Closed sessions holding spans, earliest closed first (their spans go first under memory pressure). */
  const rememberedOrder = new Set<SessionState>();
  /** Closed sessions without spans (evicted, released), kept until their revision window ends. */
  const tombstones = new Set<SessionState>();
  let openBytes = 0;
  let rememberedBytes = 0;
  let emissions: Emission[] = [];
  const head: SpanHead = emptyHead();
  const assembler = new RecordAssembler();
  // Up to an eighth of the memory cap waits for reuse after sessions are dropped.
  const pool = new ChunkPool(Math.floor(settings.maxOpenBytes / 8));
  const { latenessNs, revisionWindowNs } = settings;

  // --- clocks and rules ---------------------------------------------------------------------

  function closeDue(session: SessionState): CloseReason | undefined {
    const clock = session.partition.clock;
    const received = clock.receivedSince(session.firstOffset);
    const quiet = received >= session.lastReceivedNs + latenessNs;
    if (quiet && session.endMarker) return CloseReason.CLOSE_REASON_END_MARKER;
    if (received >= session.lastReceivedNs + session.idleGapNs) return CloseReason.CLOSE_REASON_IDLE;
    if (quiet && clock.eventSince(session.firstOffset) >= session.lastEventNs + session.idleGapNs) return CloseReason.CLOSE_REASON_IDLE;
    return undefined;
  }

  function forgetDue(session: SessionState): boolean {
    return session.partition.clock.receivedSince(session.firstOffset) >= session.lastReceivedNs + session.idleGapNs + revisionWindowNs;
  }

  /** Lower bounds of processing and event time before which `session` cannot change state. */
  function nextCheck(session: SessionState, bounds: { received: number; event: number }): void {
    let received: number;
    let event = Infinity;
    if (session.status === 'open' || (session.status === 'capped' && session.truncationPending)) {
      const quietAt = session.lastReceivedNs + latenessNs;
      if (session.partition.clock.receivedSince(session.firstOffset) < quietAt) received = Math.min(quietAt, session.lastReceivedNs + session.idleGapNs);
      else {
        received = session.lastReceivedNs + session.idleGapNs;
        event = session.lastEventNs + session.idleGapNs;
      }
    } else {
      received = session.lastReceivedNs + session.idleGapNs + revisionWindowNs;
    }
    if (received < bounds.received) bounds.received = received;
    if (event < bounds.event) bounds.event = event;
  }

  // --- state changes ------------------------------------------------------------------------

  function emit(session: SessionState): void {
    const assembled = assembler.assemble(
      session.spans,
      {
        key: session.key,
        revision: session.revision,
        closeReason: session.closeReason,
        truncated: session.truncated,
        evicted: session.evicted,
        truncatedSpans: session.truncatedSpans,
      },
      settings.maxTextLength,
    );
    if (assembled.duplicates > 0) observer.spanDropped('duplicate', assembled.duplicates);
    if (assembled.malformed > 0) observer.spanDropped('malformed', assembled.malformed);
    const key = Buffer.from(session.key, 'latin1');
    const encoded = encodeSession(assembled, settings.sessionsMaxMessageBytes - RECORD_FRAMING_BYTES - key.length);
    emissions.push({
      partition: session.partition.id,
      firstOffset: session.firstOffset,
      key,
      values: encoded.values,
      revision: session.revision,
      closeReason: session.closeReason,
      bytes: encoded.bytes,
    });
    observer.sessionClosed(session.closeReason, session.revision, encoded.values.length);
  }

  function close(session: SessionState, reason: CloseReason): void {
    session.closeReason = reason;
    if (CAP_REASONS.has(reason)) session.truncated = true;
    if (reason === CloseReason.CLOSE_REASON_EVICTED) session.evicted = true;
    emit(session);
    openOrder.delete(session);
    openBytes -= session.heldBytes();
    if (session.evicted) {
      session.spans.release();
      session.status = 'evicted';
      tombstones.add(session);
    } else {
      session.status = session.truncated ? 'capped' : 'closed';
      rememberedOrder.add(session);
    }
    rememberedBytes += session.heldBytes();
  }

  function forget(session: SessionState, reason: 'window' | 'memory'): void {
    session.partition.forget(session);
    rememberedOrder.delete(session);
    tombstones.delete(session);
    rememberedBytes -= session.heldBytes();
    session.spans.release();
    observer.forgotten(reason);
  }

  /** Under memory pressure: a closed session gives up its spans but keeps its place. */
  function releaseSpans(session: SessionState): void {
    rememberedOrder.delete(session);
    rememberedBytes -= session.heldBytes();
    session.spans.release();
    session.status = 'released';
    session.truncationPending = false;
    tombstones.add(session);
    rememberedBytes += session.heldBytes();
    observer.released();
  }

  function reopen(session: SessionState): void {
    rememberedOrder.delete(session);
    rememberedBytes -= session.heldBytes();
    session.status = 'open';
    session.revision++;
    openOrder.add(session);
    openBytes += session.heldBytes();
  }

  /** Makes room for `bytes` more (and one more open session when `newSession`). */
  function reserve(bytes: number, newSession: boolean, keep: SessionState | undefined): void {
    while (newSession && openOrder.size >= settings.maxOpenSessions) {
      if (!evictOldest(keep)) break;
    }
    // Cheapest first: spans of closed sessions, then tombstones, then open sessions.
    while (openBytes + rememberedBytes + bytes > settings.maxOpenBytes) {
      const remembered = first(rememberedOrder);
      if (remembered) {
        releaseSpans(remembered);
        continue;
      }
      const tombstone = first(tombstones);
      if (tombstone) {
        forget(tombstone, 'memory');
        continue;
      }
      if (!evictOldest(keep)) break;
    }
  }

  function evictOldest(keep: SessionState | undefined): boolean {
    for (const session of openOrder) {
      if (session === keep) continue;
      close(session, CloseReason.CLOSE_REASON_EVICTED);
      return true;
    }
    return false;
  }

  function touch(session: SessionState, offset: number, receivedNs: number, eventNs: number): void {
    session.lastOffset = offset;
    if (receivedNs > session.lastReceivedNs) session.lastReceivedNs = receivedNs;
    if (eventNs > session.lastEventNs) session.lastEventNs = eventNs;
    const partition = session.partition;
    // A session that just received a span may be quiet again no sooner than this.
    const soonest = session.lastReceivedNs + Math.min(latenessNs, session.idleGapNs);
    if (soonest < partition.nextCheckNs) partition.nextCheckNs = soonest;
  }

  function capFor(session: SessionState, head: SpanHead, size: number): CloseReason | undefined {
    if (session.spans.count >= settings.maxSpans) return CloseReason.CLOSE_REASON_MAX_SPANS;
    if (session.spans.bytes + size > settings.maxSessionBytes) return CloseReason.CLOSE_REASON_MAX_BYTES;
    if (head.startNs > 0) {
      const start = Math.min(session.minStartNs, head.startNs);
      const end = Math.max(session.maxEndNs, head.endNs);
      if (end - start > settings.maxDurationNs) return CloseReason.CLOSE_REASON_MAX_DURATION;
    }
    return undefined;
  }

  function addSpan(session: SessionState, record: CoreRecord, head: SpanHead, receivedNs: number, eventNs: number): void {
    const size = record.value.length;
    const cap = session.spans.count > 0 ? capFor(session, head, size) : undefined;
    if (cap !== undefined) {
      session.truncatedSpans++;
      touch(session, record.offset, receivedNs, eventNs);
      close(session, cap);
      observer.spanDropped('truncated', 1);
      return;
    }
    reserve(session.spans.growthFor(size), false, session);
    // A copy: the record's bytes may be a slice of a whole fetch response.
    const before = session.spans.allocated;
    session.spans.append(record.value, head);
    openBytes += session.spans.allocated - before;
    if (head.startNs > 0 && head.startNs < session.minStartNs) session.minStartNs = head.startNs;
    if (head.endNs > session.maxEndNs) session.maxEndNs = head.endNs;
    if (head.sessionEnd) session.endMarker = true;
    if (!session.serviceKnown && head.serviceStart >= 0) {
      session.serviceKnown = true;
      if (settings.idleGapByServiceNs.size > 0) {
        const gap = settings.idleGapByServiceNs.get(record.value.toString('utf8', head.serviceStart, head.serviceEnd));
        if (gap !== undefined) session.idleGapNs = gap;
      }
    }
    touch(session, record.offset, receivedNs, eventNs);
  }

  /** A span with the trace and span id of one the session has (`head` is of `value`). */
  function isDuplicate(session: SessionState, value: Buffer, head: SpanHead): boolean {
    const { chunks, rows, count } = session.spans;
    for (let r = 0; r < count * ROW_FIELDS; r += ROW_FIELDS) {
      const chunk = chunks[rows[r + ROW_CHUNK] as number] as Buffer;
      if (
        bytesEqual(chunk, rows[r + ROW_SPAN_AT] as number, rows[r + ROW_SPAN_LENGTH] as number, value, head.spanAt, head.spanLength) &&
        bytesEqual(chunk, rows[r + ROW_TRACE_AT] as number, rows[r + ROW_TRACE_LENGTH] as number, value, head.traceAt, head.traceLength)
      ) {
        return true;
      }
    }
    return false;
  }

  function place(partition: PartitionState, key: string, record: CoreRecord, head: SpanHead, receivedNs: number, eventNs: number): void {
    let session = partition.sessions.get(key);
    if (session?.status === 'open') {
      const reason = closeDue(session);
      if (reason !== undefined) close(session, reason);
    }
    if (session && session.status !== 'open' && forgetDue(session)) {
      forget(session, 'window');
      session = undefined;
    }
    if (!session) {
      reserve(Math.max(SPAN_CHUNK_BYTES, record.value.length) + SESSION_OVERHEAD_BYTES, true, undefined);
      session = new SessionState(key, partition, record.offset, settings.idleGapNs, pool);
      partition.sessions.set(key, session);
      openOrder.add(session);
      openBytes += SESSION_OVERHEAD_BYTES;
      addSpan(session, record, head, receivedNs, eventNs);
      return;
    }
    switch (session.status) {
      case 'open':
        addSpan(session, record, head, receivedNs, eventNs);
        return;
      case 'closed':
        if (isDuplicate(session, record.value, head)) {
          observer.spanDropped('duplicate', 1);
          return;
        }
        observer.lateSpan();
        reserve(session.spans.growthFor(record.value.length), true, session);
        reopen(session);
        addSpan(session, record, head, receivedNs, eventNs);
        return;
      case 'capped':
        session.truncatedSpans++;
        session.truncationPending = true;
        touch(session, record.offset, receivedNs, eventNs);
        observer.spanDropped('truncated', 1);
        return;
      case 'evicted':
      case 'released':
        touch(session, record.offset, receivedNs, eventNs);
        observer.spanDropped(session.status, 1);
        return;
    }
  }

  /** Closes, re-emits and forgets what the partition's clocks now allow. */
  function scan(partition: PartitionState): void {
    const clock = partition.clock;
    if (clock.receivedNow() < partition.nextCheckNs && clock.event.max() < partition.nextEventCheckNs) return;
    const bounds = { received: Infinity, event: Infinity };
    for (const session of partition.sessions.values()) {
      if (session.status === 'open') {
        const reason = closeDue(session);
        if (reason !== undefined) close(session, reason);
      } else if (session.status === 'capped' && session.truncationPending && closeDue(session) !== undefined) {
        // Spans were left out since the capped revision: say how many, once the key is quiet.
        session.truncationPending = false;
        session.revision++;
        emit(session);
      }
      if (session.status !== 'open' && forgetDue(session)) {
        forget(session, 'window');
        continue;
      }
      nextCheck(session, bounds);
    }
    partition.nextCheckNs = bounds.received;
    partition.nextEventCheckNs = bounds.event;
    const oldest = first(partition.sessions.values());
    clock.prune(oldest ? oldest.firstOffset : partition.nextOffset);
  }

  function drop(partition: PartitionState): void {
    for (const session of partition.sessions.values()) {
      if (openOrder.delete(session)) openBytes -= session.heldBytes();
      if (rememberedOrder.delete(session) || tombstones.delete(session)) rememberedBytes -= session.heldBytes();
      session.spans.release();
    }
    partition.sessions.clear();
  }

  return {
    assign(id, nowMs) {
      if (!partitions.has(id)) partitions.set(id, new PartitionState(id, nowMs));
    },
    revoke(id) {
      const partition = partitions.get(id);
      if (!partition) return;
      drop(partition);
      partitions.delete(id);
    },
    owns: (id) => partitions.has(id),
    partitions: () => [...partitions.keys()],
    absorb(id, records, nowMs) {
      const partition = partitions.get(id);
      if (!partition) return;
      let consumed = 0;
      for (const record of records) {
        if (record.offset < partition.nextOffset) continue;
        partition.nextOffset = record.offset + 1;
        consumed++;
        if (record.key.length === 0) {
          observer.spanDropped('malformed', 1);
          continue;
        }
        try {
          readSpanHead(record.value, head);
        } catch {
          observer.spanDropped('malformed', 1);
          continue;
        }
        const receivedNs = head.receivedNs > 0 ? head.receivedNs : record.timestamp * 1_000_000;
        let eventNs = head.endNs > 0 ? head.endNs : head.startNs > 0 ? head.startNs : receivedNs;
        // Event time bounded by processing time: a clock running ahead cannot close sessions.
        if (eventNs > receivedNs) eventNs = receivedNs;
        partition.clock.observe(record.offset, receivedNs, eventNs);
        place(partition, record.key.toString('latin1'), record, head, receivedNs, eventNs);
      }
      observer.spansConsumed(consumed);
      partition.lastActivityMs = nowMs;
      scan(partition);
    },
    extendSilent(nowMs, quietSinceMs) {
      for (const partition of partitions.values()) {
        const silentMs = nowMs - Math.max(partition.lastActivityMs, quietSinceMs);
        if (silentMs <= settings.latenessMs || partition.clock.maxReceivedNs === -Infinity) continue;
        if (partition.clock.extendTo(partition.clock.maxReceivedNs + (silentMs - settings.latenessMs) * 1_000_000)) scan(partition);
      }
    },
    takeEmissions() {
      const taken = emissions;
      emissions = [];
      return taken;
    },
    pendingCommits() {
      const offsets: CommitOffset[] = [];
      for (const partition of partitions.values()) {
        const floor = partition.commitFloor();
        if (floor !== undefined && floor > partition.committed) offsets.push({ partition: partition.id, offset: floor });
      }
      return offsets;
    },
    markCommitted(offsets) {
      for (const { partition: id, offset } of offsets) {
        const partition = partitions.get(id);
        if (partition && offset > partition.committed) partition.committed = offset;
      }
    },
    stats() {
      let uncommitted = 0;
      for (const partition of partitions.values()) {
        if (partition.nextOffset >= 0) uncommitted += partition.nextOffset - Math.max(partition.committed, 0);
      }
      return {
        partitions: partitions.size,
        openSessions: openOrder.size,
        openBytes,
        rememberedSessions: rememberedOrder.size + tombstones.size,
        rememberedBytes,
        pooledBytes: pool.bytes,
        uncommittedRecords: uncommitted,
      };
    },
  };
}

function first<T>(items: Iterable<T>): T | undefined {
  for (const item of items) return item;
  return undefined;
}
