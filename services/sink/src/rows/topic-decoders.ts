// Per topic: how a record value becomes rows, and which tables they go to.
import { alertFromJsonLine, decodeLabel, decodeScoreRecord, reviewItemFromJsonLine } from '@tracebar/proto';
import { alertRow } from './alert-row.js';
import { RecordRejectedError } from './clickhouse-values.js';
import { jsonRow } from './json-row.js';
import { labelRow } from './label-row.js';
import { reviewItemRow } from './review-row.js';
import { scoreRows, verdictRow } from './score-rows.js';
import { decodeSessionWithoutSpans, sessionRow } from './session-row.js';
import { ByteWriter } from './byte-writer.js';
import { isCanonicalSpan } from './span-frame.js';
import { spanBinaryColumns, writeSpanRowBinary } from './span-row-binary.js';

export type TableName = 'spans' | 'sessions' | 'verdicts' | 'scores' | 'review_items' | 'labels' | 'alerts';

/** The topics (by role in the config's `topics`) the sink can write. */
export type SinkTopicRole = 'spans' | 'sessions' | 'scores' | 'review' | 'labels' | 'alerts';

/**
 * One record's rows for one table: JSONEachRow lines (without newlines), one RowBinary row of the
 * table's `binaryColumns` as bytes [start, end) of `binary` (the batch's buffer, which the row is
 * never copied out of), or the record itself for the engine to read (`framed`).
 */
export type TableLines =
  | { readonly table: TableName; readonly lines: readonly string[]; readonly binary?: undefined; readonly framed?: undefined }
  | { readonly table: TableName; readonly binary: Buffer; readonly start: number; readonly end: number; readonly lines?: undefined; readonly framed?: undefined }
  | {
      readonly table: TableName;
      /** A SpanRecord for the engine's Protobuf reader (span-protobuf.ts): the record's value as it is. */
      readonly framed: Buffer;
      /** Not in canonical shape: the engine cannot read it exactly, the batch is transcoded at insert. */
      readonly transcode: boolean;
      readonly lines?: undefined;
      readonly binary?: undefined;
    };

export interface TopicDecoder {
  readonly tables: readonly TableName[];
  /** Whether rows are written into `out` (RowBinary), so the sink sizes it to the batch. */
  readonly writesOut: boolean;
  /**
   * Throws RecordRejectedError for a value no retry can fix. RowBinary rows go into `out`, which
   * must not be reset while ranges hold them (each bus batch gets its own).
   */
  decode(value: Buffer, out: ByteWriter): TableLines[];
}

/** Tables written in RowBinary (the hot path), with their columns in row order. */
export const binaryColumns: Partial<Record<TableName, readonly string[]>> = { spans: spanBinaryColumns };

const json = jsonRow;

/** Runs a generated decoder, turning its errors into a permanent rejection. */
function decoded<T>(what: string, decode: () => T): T {
  try {
    return decode();
  } catch (error) {
    if (error instanceof RecordRejectedError) throw error;
    const code = error instanceof TypeError ? 'SCHEMA_INVALID' : 'DECODE_FAILED';
    throw new RecordRejectedError(code, `${what}: ${(error as Error).message}`);
  }
}

export const topicDecoders: Record<SinkTopicRole, TopicDecoder> = {
  spans: {
    tables: ['spans'],
    writesOut: true,
    decode: (value, out) => {
      const start = out.pos;
      writeSpanRowBinary(value, out);
      return [{ table: 'spans', binary: out.buf, start, end: out.pos }];
    },
  },
  sessions: {
    tables: ['sessions'],
    writesOut: false,
    decode: (value) => {
      const row = sessionRow(decodeSessionWithoutSpans(value));
      return row === undefined ? [] : [{ table: 'sessions', lines: [json(row)] }];
    },
  },
  scores: {
    tables: ['verdicts', 'scores'],
    writesOut: false,
    decode: (value) => {
      const record = decoded('ScoreRecord', () => decodeScoreRecord(value));
      const scores = scoreRows(record);
      const out: TableLines[] = [{ table: 'verdicts', lines: [json(verdictRow(record))] }];
      if (scores.length > 0) out.push({ table: 'scores', lines: scores.map(json) });
      return out;
    },
  },
  review: {
    tables: ['review_items'],
    writesOut: false,
    decode: (value) => {
      const item = decoded('ReviewItem JSON line', () => reviewItemFromJsonLine(value.toString('utf8')));
      return [{ table: 'review_items', lines: [json(reviewItemRow(item))] }];
    },
  },
  labels: {
    tables: ['labels'],
    writesOut: false,
    decode: (value) => [{ table: 'labels', lines: [json(labelRow(decoded('Label', () => decodeLabel(value))))] }],
  },
  alerts: {
    tables: ['alerts'],
    writesOut: false,
    decode: (value) => [{ table: 'alerts', lines: [json(alertRow(decoded('Alert JSON line', () => alertFromJsonLine(value.toString('utf8')))))] }],
  },
};

/** Where a record the engine cannot read exactly is transcoded once, to be refused or accepted now. */
const scratch = new ByteWriter(4_096);

/**
 * Spans for embedded chDB: records framed for the engine's Protobuf reader (span-frame.ts). A
 * record not in canonical shape is run through the transcoder at once, so that what it refuses is
 * dead-lettered with today's code, and is transcoded again at insert time.
 */
export const spanProtobufDecoder: TopicDecoder = {
  tables: ['spans'],
  writesOut: false,
  decode: (value) => {
    if (isCanonicalSpan(value)) return [{ table: 'spans', framed: value, transcode: false }];
    scratch.reset();
    writeSpanRowBinary(value, scratch);
    if (scratch.buf.length > 1 << 20) scratch.buf = Buffer.allocUnsafe(4_096);
    return [{ table: 'spans', framed: value, transcode: true }];
  },
};
