// Session records come whole or (over the topic's message limit) in parts, in order, on one
// partition. Parts wait here until their session is complete; the partition's commit stays
// behind the first part of the oldest incomplete session, so a restart re-reads it. A whole
// record is read for scoring only (decodeScoringRecord); parts are joined by the full decoder.
import { joinSessionParts } from '@tracebar/sessionizer';
import { decodeScoringRecord, type AttributeKeys, type ScoringRecord } from './scoring-record.js';

interface Pending {
  firstOffset: number;
  firstSeenMs: number;
  count: number;
  values: Map<number, Buffer>;
  bytes: number;
}

export type PartOutcome =
  | { kind: 'complete'; record: ScoringRecord; firstOffset: number }
  | { kind: 'waiting' }
  | { kind: 'malformed'; reason: string };

export class PartitionParts {
  private readonly pending = new Map<string, Pending>();

  /** keys: the span and resource attributes scoring reads (the view's and the objective selectors'). */
  constructor(private readonly keys: AttributeKeys) {}

  /** A record read at offset: the whole session when it (or its last missing part) arrives. */
  add(value: Buffer, offset: number, nowMs: number): PartOutcome {
    let record: ScoringRecord;
    try {
      record = decodeScoringRecord(value, this.keys);
    } catch (error) {
      return { kind: 'malformed', reason: error instanceof Error ? error.message : String(error) };
    }
    if (record.partCount <= 1) return { kind: 'complete', record, firstOffset: offset };
    const identity = `${record.tenant}\u0000${record.sessionKey}\u0000${record.revision}\u0000${record.contentDigest}`;
    let entry = this.pending.get(identity);
    if (!entry) {
      entry = { firstOffset: offset, firstSeenMs: nowMs, count: record.partCount, values: new Map(), bytes: 0 };
      this.pending.set(identity, entry);
    }
    if (!entry.values.has(record.partIndex)) {
      entry.values.set(record.partIndex, value);
      entry.bytes += value.length;
    }
    if (entry.values.size < entry.count) return { kind: 'waiting' };
    this.pending.delete(identity);
    try {
      return { kind: 'complete', record: joinSessionParts([...entry.values.values()]).record, firstOffset: entry.firstOffset };
    } catch (error) {
      return { kind: 'malformed', reason: error instanceof Error ? error.message : String(error) };
    }
  }

  /** The lowest offset a restart must re-read, if any session is incomplete. */
  holdOffset(): number | undefined {
    let lowest: number | undefined;
    for (const entry of this.pending.values()) if (lowest === undefined || entry.firstOffset < lowest) lowest = entry.firstOffset;
    return lowest;
  }

  /** Gives up sessions whose parts stopped coming (a re-emission brings them whole again). */
  expire(nowMs: number, timeoutMs: number): number {
    let expired = 0;
    for (const [identity, entry] of this.pending) {
      if (nowMs - entry.firstSeenMs >= timeoutMs) {
        this.pending.delete(identity);
        expired++;
      }
    }
    return expired;
  }

  get bytes(): number {
    let total = 0;
    for (const entry of this.pending.values()) total += entry.bytes;
    return total;
  }

  get size(): number {
    return this.pending.size;
  }
}
