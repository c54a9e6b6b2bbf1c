// The reader's side of the large-session strategy: parts of one revision back into one record,
// with the digest checked over the span bytes exactly as they were sent.
import { decodeSessionRecord, SessionRecord } from '@tracebar/proto';
import { contentDigest } from './session-encoder.js';
import { WIRE_LENGTH_DELIMITED, WireReader } from './wire-reader.js';

export interface JoinedSession {
  /** The whole record (part fields cleared), spans decoded. */
  record: SessionRecord;
  /** The encoded spans in order, as spliced in by the sessionizer. */
  spans: Buffer[];
  /** The digest recomputed over the joined content equals content_digest. */
  digestMatches: boolean;
}

/** Encoded spans (field 14) of one SessionRecord value, without decoding them. */
export function sessionSpanBytes(value: Uint8Array): Buffer[] {
  const buf = Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  const reader = new WireReader(buf);
  const spans: Buffer[] = [];
  while (reader.more()) {
    const tag = reader.varint();
    if (tag >>> 3 === 14 && (tag & 7) === WIRE_LENGTH_DELIMITED) {
      const length = reader.length();
      spans.push(buf.subarray(reader.pos, reader.pos + length));
      reader.pos += length;
    } else reader.skip(tag & 7);
  }
  return spans;
}

/**
 * Joins the records of one session revision: a whole record, or its parts in any order
 * (duplicates from a re-emission are fine). Throws when parts are missing or disagree.
 */
export function joinSessionParts(values: readonly Uint8Array[]): JoinedSession {
  const parts = new Map<number, { record: SessionRecord; value: Uint8Array }>();
  let identity: string | undefined;
  let count = 1;
  for (const value of values) {
    const record = decodeSessionRecord(value);
    const id = `${record.tenant}/${record.sessionKey}/${record.revision}/${record.contentDigest}`;
    if (identity !== undefined && id !== identity) throw new Error(`records of different revisions: ${identity} and ${id}`);
    identity = id;
    count = Math.max(record.partCount, 1);
    parts.set(record.partIndex, { record, value });
  }
  const first = parts.get(0)?.record;
  if (!first || parts.size !== count) throw new Error(`have ${parts.size} of ${count} parts`);
  const spans: Buffer[] = [];
  for (let index = 0; index < count; index++) {
    const part = parts.get(index);
    if (!part || part.record.spanOffset !== spans.length) throw new Error(`part ${index} does not continue at span ${spans.length}`);
    spans.push(...sessionSpanBytes(part.value));
  }
  const record = SessionRecord.create({
    tenant: first.tenant,
    sessionKey: first.sessionKey,
    sessionKeySource: first.sessionKeySource,
    revision: first.revision,
    closeReason: first.closeReason,
    truncated: first.truncated,
    evicted: first.evicted,
    summary: first.summary,
    turns: first.turns,
  });
  const digest = contentDigest(record, spans);
  record.contentDigest = first.contentDigest;
  record.spans = [...parts.values()].sort((a, b) => a.record.partIndex - b.record.partIndex).flatMap((part) => part.record.spans);
  return { record, spans, digestMatches: digest === first.contentDigest };
}
