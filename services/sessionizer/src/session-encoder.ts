// SessionRecord bytes for the sessions topic: the span bytes read from the spans topic are
// spliced in without re-encoding, the digest covers the whole revision, and a record over the
// topic's message limit becomes parts (proto/tracebar/v1/session.proto, "Large sessions").
//
// A record is written as protobufjs would write it, in field order: identity (fields 1-7),
// content_digest (8), close facts, summary and turns (9-13), then the spans (14). The digest is
// SHA-256 of the same bytes without the part fields and the digest, i.e. of
// `encodeSessionRecordWithSpanBytes(record, spans)` for the whole revision; so a whole record is
// written once, hashed in place and its digest filled in.
import { createHash } from 'node:crypto';
import { SessionRecord, type ISessionRecord } from '@tracebar/proto';
import type { AssembledRecord } from './record-assembler.js';
import { ROW_AT, ROW_CHUNK, ROW_END, ROW_FIELDS } from './span-store.js';

/** Wire tag of SessionRecord.spans (field 14, length-delimited): one byte. */
const SPANS_TAG = (14 << 3) | 2;
/** Wire tag of SessionRecord.content_digest (field 8, length-delimited). */
const DIGEST_TAG = (8 << 3) | 2;
const DIGEST_LENGTH = 64;
/** Largest varint of a part field (partIndex, partCount, spanOffset are uint32). */
const PART_FIELDS_BYTES = 3 * (1 + 5);

export interface EncodedSession {
  /** One record value per part, in part order (one when the session is whole). */
  values: Buffer[];
  digest: string;
  bytes: number;
}

function varintSize(value: number): number {
  let size = 1;
  while (value >= 128) {
    value = Math.floor(value / 128);
    size++;
  }
  return size;
}

function framedSize(size: number): number {
  return 1 + varintSize(size) + size;
}

function writeVarint(target: Buffer, at: number, value: number): number {
  while (value >= 128) {
    target[at++] = (value & 0x7f) | 0x80;
    value = Math.floor(value / 128);
  }
  target[at++] = value;
  return at;
}

function identity(record: ISessionRecord): ISessionRecord {
  return { tenant: record.tenant, sessionKey: record.sessionKey, sessionKeySource: record.sessionKeySource, revision: record.revision };
}

function closeFacts(record: ISessionRecord, withSummary: boolean): ISessionRecord {
  const facts: ISessionRecord = { closeReason: record.closeReason, truncated: record.truncated, evicted: record.evicted };
  if (withSummary) {
    facts.summary = record.summary;
    facts.turns = record.turns;
  }
  return facts;
}

const frame = Buffer.alloc(11);

/**
 * Hex SHA-256 of a revision: of the record encoded with its spans, without part fields and
 * digest. The same on every re-emission and in every part; a reader that joined the parts
 * recomputes it to check them.
 */
export function contentDigest(record: ISessionRecord, spans: readonly Buffer[]): string {
  return digestOf(SessionRecord.encode(identity(record)).finish(), SessionRecord.encode(closeFacts(record, true)).finish(), spans);
}

function digestOf(head: Uint8Array, body: Uint8Array, spans: readonly Buffer[]): string {
  const hash = createHash('sha256');
  hash.update(head);
  hash.update(body);
  for (const span of spans) {
    frame[0] = SPANS_TAG;
    hash.update(frame.subarray(0, writeVarint(frame, 1, span.length)));
    hash.update(span);
  }
  return hash.digest('hex');
}

/** head + digest field + body + spans from..to as field 14, in one buffer; `digest` undefined leaves its bytes to fill. */
function write(head: Uint8Array, digest: string | undefined, body: Uint8Array, record: AssembledRecord, from: number, to: number): Buffer {
  const { chunks, rows, order } = record;
  let size = head.length + 2 + DIGEST_LENGTH + body.length;
  for (let p = from; p < to; p++) size += framedSize(spanSize(rows, order[p] as number));
  const out = Buffer.allocUnsafe(size);
  out.set(head, 0);
  let at = head.length;
  out[at++] = DIGEST_TAG;
  out[at++] = DIGEST_LENGTH;
  if (digest !== undefined) out.write(digest, at, 'latin1');
  at += DIGEST_LENGTH;
  out.set(body, at);
  at += body.length;
  for (let p = from; p < to; p++) {
    const r = (order[p] as number) * ROW_FIELDS;
    const start = rows[r + ROW_AT] as number;
    const end = rows[r + ROW_END] as number;
    out[at++] = SPANS_TAG;
    at = writeVarint(out, at, end - start);
    at += (chunks[rows[r + ROW_CHUNK] as number] as Buffer).copy(out, at, start, end);
  }
  return out;
}

function spanSize(rows: Uint32Array, i: number): number {
  return (rows[i * ROW_FIELDS + ROW_END] as number) - (rows[i * ROW_FIELDS + ROW_AT] as number);
}

/** Encodes an assembled session as one record, or as parts when it exceeds `maxRecordBytes`. */
export function encodeSession(record: AssembledRecord, maxRecordBytes: number): EncodedSession {
  const { head, body, rows, order } = record;
  const count = order.length;
  let whole = head.length + 2 + DIGEST_LENGTH + body.length;
  for (let p = 0; p < count; p++) whole += framedSize(spanSize(rows, order[p] as number));
  if (whole <= maxRecordBytes) {
    // The record without its digest field is exactly what the digest covers: hash it in two
    // pieces around the field, then fill the field in.
    const value = write(head, undefined, body, record, 0, count);
    const digestAt = head.length + 2;
    const digest = createHash('sha256').update(value.subarray(0, head.length)).update(value.subarray(digestAt + DIGEST_LENGTH)).digest('hex');
    value.write(digest, digestAt, 'latin1');
    return { values: [value], digest, bytes: value.length };
  }
  const spans = Array.from(order, (i) => {
    const r = i * ROW_FIELDS;
    return (record.chunks[rows[r + ROW_CHUNK] as number] as Buffer).subarray(rows[r + ROW_AT], rows[r + ROW_END]);
  });
  const digest = digestOf(head, body, spans);

  // Greedy runs of spans; every part takes at least one span, so a span larger than the limit
  // still goes out (alone, and the bus refuses it) rather than stalling the session.
  const laterBody = body.subarray(0, record.closeFactsLength);
  const fixed = head.length + PART_FIELDS_BYTES + 2 + DIGEST_LENGTH;
  const offsets: number[] = [];
  let next = 0;
  do {
    offsets.push(next);
    let room = maxRecordBytes - fixed - (offsets.length === 1 ? body.length : laterBody.length);
    const start = next;
    while (next < count) {
      const size = framedSize((spans[next] as Buffer).length);
      if (size > room && next > start) break;
      room -= size;
      next++;
    }
  } while (next < count);

  const values = offsets.map((offset, index) => {
    // Part fields (5-7) follow the identity (1-4) directly.
    const partHead = Buffer.concat([head, SessionRecord.encode({ partIndex: index, partCount: offsets.length, spanOffset: offset }).finish()]);
    return write(partHead, digest, index === 0 ? body : laterBody, record, offset, offsets[index + 1] ?? count);
  });
  return { values, digest, bytes: values.reduce((sum, value) => sum + value.length, 0) };
}
