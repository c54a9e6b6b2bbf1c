// Session records come whole or (over the topic's message limit) in parts, in order, on one
// partition. Parts wait here until their session is complete; the partition's commit stays
// behind the first part of the oldest incomplete session, so a restart re-reads it. Only a
// record's header is read here: a whole record is decoded when it is scored (one at a time per
// worker, not a batch at once); parts are joined by the full decoder.
import { joinSessionParts } from '@tracebar/sessionizer';
import { decodeScoringHeader, decodeScoringRecord, type AttributeKeys, type ScoringRecord } from './scoring-record.js';

interface Pending {
  firstOffset: number;
  firstSeenMs: number;
  count: number;
  values: Map<number, Buffer>;
  bytes: number;
}

/** A complete session: decoded (joined parts) or still encoded (a whole record). */
export type CompleteSession = { record: ScoringRecord; value?: undefined } | { value: Buffer; record?: undefined };

export type PartOutcome =
  | { kind: 'complete'; session: CompleteSession; firstOffset: number }
  | { kind: 'waiting' }
  | { kind: 'malformed'; reason: string };

export class PartitionParts {
  private readonly pending = new Map<string, Pending>();

  /** keys: the span and resource attributes scoring reads (the view's and the objective selectors'). */
  constructor(private readonly keys: AttributeKeys) {}

  /** The session to score: a whole record is decoded now (throws when malformed). */
  decode(session: CompleteSession): ScoringRecord {
    return session.record ?? decodeScoringRecord(session.value, this.keys);
  }

  /** A record read at offset: the whole session when it (or its last missing part) arrives. */
  add(value: Buffer, offset: number, nowMs: number): PartOutcome {
    let record: ReturnType<typeof decodeScoringHeader>;
    try {
      record = decodeScoringHeader(value);
    } catch (error) {
      return { kind: 'malformed', reason: error instanceof Error ? error.message : String(error) };
    }
    if (record.partCount <= 1) return { kind: 'complete', session: { value }, firstOffset: offset };
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
      return { kind: 'complete', session: { record: joinSessionParts([...entry.values.values()]).record }, firstOffset: entry.firstOffset };
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
