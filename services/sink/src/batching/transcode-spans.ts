// Span rows framed for the engine's Protobuf reader, transcoded to RowBinary after all: when a
// record was not in canonical shape (span-frame.ts), or the engine refused the Protobuf insert.
// The transcoder then decides each record as it does on the RowBinary path.
import type { BusRecord } from '@tracebar/bus';
import { ByteWriter } from '../rows/byte-writer.js';
import { RecordRejectedError } from '../rows/clickhouse-values.js';
import { writeSpanRowBinary } from '../rows/span-row-binary.js';
import { emptyBatch, type TableBatch } from './pending-range.js';

export interface TranscodedSpans {
  /** RowBinary rows of the records that passed, with the same owners. */
  readonly batch: TableBatch;
  /** Records the transcoder refused. */
  readonly rejected: { readonly record: BusRecord; readonly error: RecordRejectedError }[];
}

/** Rows [from, to) of a Protobuf span batch, as RowBinary. */
export function transcodeSpans(records: readonly BusRecord[], framed: TableBatch, from: number, to: number): TranscodedSpans {
  const batch = emptyBatch('RowBinary');
  const rejected: { record: BusRecord; error: RecordRejectedError }[] = [];
  const out = new ByteWriter(64 * 1_024);
  for (let i = from; i < to; i++) {
    const owner = framed.owners[i] as number;
    const record = records[owner] as BusRecord;
    const start = out.pos;
    try {
      writeSpanRowBinary(record.value, out);
    } catch (error) {
      if (!(error instanceof RecordRejectedError)) throw error;
      rejected.push({ record, error });
      continue;
    }
    batch.owners.push(owner);
    batch.rowEnds.push(out.pos);
    batch.bytes += out.pos - start;
  }
  batch.binary?.append(out.buf, 0, out.pos);
  return { batch, rejected };
}
