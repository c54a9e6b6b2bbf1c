// Assembly for callers that hold a session's spans as separate buffers (tests, tools): the same
// RecordAssembler the sessionizer runs, and the record decoded back into an object.
import { SessionRecord, type ISessionRecord } from '@tracebar/proto';
import { RecordAssembler, type AssembledRecord, type CloseFacts } from './record-assembler.js';
import { emptyHead, readSpanHead } from './span-head.js';
import { ROW_AT, ROW_CHUNK, ROW_END, ROW_FIELDS, writeRow, type StoredSpans } from './span-store.js';

export interface ClosingSession extends CloseFacts {
  /** Encoded SpanRecords in log order. */
  spans: readonly Buffer[];
}

export interface AssembledSession {
  /** Everything but the spans (and the part fields and digest, set when encoding). */
  record: ISessionRecord;
  /** The span bytes spliced into the record, in order. */
  spans: Buffer[];
  /** Spans left out: repeated (trace id, span id), or not decodable. */
  duplicates: number;
  malformed: number;
}

/** Rows for spans held one buffer each (each its own chunk); spans whose head does not decode are left out and counted. */
export function storedSpans(spans: readonly Buffer[]): { stored: StoredSpans; malformed: number } {
  const head = emptyHead();
  const rows = new Uint32Array(Math.max(spans.length, 1) * ROW_FIELDS);
  const chunks: Buffer[] = [];
  let malformed = 0;
  for (const span of spans) {
    try {
      readSpanHead(span, head);
    } catch {
      malformed++;
      continue;
    }
    writeRow(rows, chunks.length, chunks.length, 0, span.length, head);
    chunks.push(span);
  }
  return { stored: { chunks, rows, count: chunks.length }, malformed };
}

/** The record of a session given as span buffers, ready for encodeSession. */
export function assembleRecord(session: ClosingSession, maxTextLength: number, assembler = new RecordAssembler()): AssembledRecord {
  const { stored, malformed } = storedSpans(session.spans);
  const record = assembler.assemble(stored, session, maxTextLength);
  return { ...record, malformed: record.malformed + malformed };
}

/** The same, decoded: the record's fields as objects and its spans in order. */
export function assembleSession(session: ClosingSession, maxTextLength: number): AssembledSession {
  const assembled = assembleRecord(session, maxTextLength);
  const record = SessionRecord.decode(Buffer.concat([assembled.head, assembled.body]));
  const { chunks, rows } = assembled;
  const spans = Array.from(assembled.order, (i) => (chunks[rows[i * ROW_FIELDS + ROW_CHUNK] as number] as Buffer).subarray(rows[i * ROW_FIELDS + ROW_AT], rows[i * ROW_FIELDS + ROW_END]));
  return { record, spans, duplicates: assembled.duplicates, malformed: assembled.malformed };
}
