// One session held in memory: its spans still encoded, exactly as read from the spans topic.
import type { PartitionState } from './partition-state.js';
import { SpanStore, type ChunkPool } from './span-store.js';

/**
 * open: collecting spans. closed: emitted, remembered for late spans (its spans kept for
 * revision n+1). capped: closed by a cap; further spans are left out and counted. evicted:
 * force-closed by the memory cap. released: closed, and its spans released early under the
 * memory cap. Evicted and released sessions are tombstones until their revision window ends:
 * they hold no spans and leave further spans of their key out (a new revision 1 of the key
 * would replace the real session downstream).
 */
export type SessionStatus = 'open' | 'closed' | 'capped' | 'evicted' | 'released';

/** Bytes charged per session for the object itself, on top of its span bytes. */
export const SESSION_OVERHEAD_BYTES = 512;

export class SessionState {
  readonly key: string;
  readonly partition: PartitionState;
  readonly firstOffset: number;
  lastOffset: number;
  status: SessionStatus = 'open';
  revision = 1;
  /** Encoded SpanRecords in log order (duplicates included; they are dropped at assembly). */
  readonly spans: SpanStore;
  minStartNs = Infinity;
  maxEndNs = -Infinity;
  /** Latest received time of its spans (processing time). */
  lastReceivedNs = -Infinity;
  /** Latest event time of its spans (end time bounded by received time). */
  lastEventNs = -Infinity;
  idleGapNs: number;
  /** Set once a span named the service, which picks the idle gap. */
  serviceKnown = false;
  endMarker = false;
  closeReason = 0;
  truncated = false;
  truncatedSpans = 0;
  /** Capped and spans were left out since the last emission: emit once more when idle. */
  truncationPending = false;
  evicted = false;

  constructor(key: string, partition: PartitionState, firstOffset: number, idleGapNs: number, pool: ChunkPool) {
    this.spans = new SpanStore(pool);
    this.key = key;
    this.partition = partition;
    this.firstOffset = firstOffset;
    this.lastOffset = firstOffset;
    this.idleGapNs = idleGapNs;
  }

  /** What the memory cap charges: the span chunks plus a fixed charge for the rest. */
  heldBytes(): number {
    return this.spans.allocated + SESSION_OVERHEAD_BYTES;
  }
}
