import type { BusRecord } from '@tracebar/bus';
import { ChunkedBytes } from './chunked-bytes.js';
import { FingerprintInput } from './fingerprint.js';
import { lengthPrefix } from '../rows/span-frame.js';
import type { TableLines, TableName } from '../rows/topic-decoders.js';

/**
 * One table's rows of a range, each with the index of the record it came from: JSONEachRow
 * lines, RowBinary rows in `binary` (row i ends at `rowEnds[i]`), or SpanRecords for the engine's
 * Protobuf reader in `framed` (the record values, length-prefixed only when inserted).
 */
export interface TableBatch {
  readonly lines: string[];
  readonly binary: ChunkedBytes | undefined;
  readonly rowEnds: number[];
  readonly framed: Buffer[] | undefined;
  readonly owners: number[];
  bytes: number;
  /** Framed rows the engine cannot read exactly: the batch is transcoded at insert. */
  transcode: number;
}

export function emptyBatch(kind: 'lines' | 'RowBinary' | 'Protobuf'): TableBatch {
  return {
    lines: [],
    binary: kind === 'RowBinary' ? new ChunkedBytes() : undefined,
    rowEnds: [],
    framed: kind === 'Protobuf' ? [] : undefined,
    owners: [],
    bytes: 0,
    transcode: 0,
  };
}

export function rowCount(batch: TableBatch): number {
  return batch.owners.length;
}

/**
 * A run of consecutive records of one topic partition and the rows decoded from them: the
 * unit of one insert per table, of one insert-log entry and of one offset commit.
 */
export class PendingRange {
  readonly topic: string;
  readonly partition: number;
  readonly records: BusRecord[] = [];
  /** What identifies the records (rangeFingerprint), collected as they arrive. */
  readonly #fingerprint = new FingerprintInput();
  readonly tables = new Map<TableName, TableBatch>();
  /** Rows over all tables, and their encoded bytes. */
  rows = 0;
  bytes = 0;
  /** Bytes of the record values, kept for dead letters until the range is written. */
  valueBytes = 0;
  /** Row bytes that are record values themselves (framed SpanRecords): in memory once. */
  sharedBytes = 0;
  /** Monotonic ms when the first record arrived. */
  readonly openedAt: number;
  /**
   * Set when the range re-creates one recorded in the insert log before a crash: it must end
   * exactly there (exclusive offset), so that its inserts repeat with the same tokens.
   */
  readonly until: number | undefined;

  constructor(topic: string, partition: number, openedAt: number, until?: number) {
    this.topic = topic;
    this.partition = partition;
    this.openedAt = openedAt;
    this.until = until;
  }

  get firstOffset(): number {
    return this.records[0]?.offset ?? 0;
  }

  /** The offset to commit once the range is in ClickHouse. */
  get nextOffset(): number {
    const last = this.records[this.records.length - 1];
    return last === undefined ? 0 : last.offset + 1;
  }

  /** What the range holds in memory. */
  get memoryBytes(): number {
    return this.bytes + this.valueBytes - this.sharedBytes + this.#fingerprint.length;
  }

  /** The range's fingerprint: the same records give the same one (see rangeFingerprint). */
  fingerprint(): string {
    return this.#fingerprint.digest(this.topic, this.partition);
  }

  /** True once a replayed range has all its records. */
  get complete(): boolean {
    return this.until !== undefined && this.nextOffset >= this.until;
  }

  /** A record and the rows decoded from it (`undefined` when it went to the dead-letter topic). */
  add(record: BusRecord, rows: readonly TableLines[] | undefined): void {
    const index = this.records.length;
    this.records.push(record);
    this.#fingerprint.add(record);
    this.valueBytes += record.value.length;
    if (rows === undefined) return;
    for (const entry of rows) {
      let batch = this.tables.get(entry.table);
      if (batch === undefined) {
        batch = emptyBatch(entry.framed !== undefined ? 'Protobuf' : entry.binary !== undefined ? 'RowBinary' : 'lines');
        this.tables.set(entry.table, batch);
      }
      if (entry.framed !== undefined) {
        // The record's value itself: in memory once (it is kept for dead letters anyway).
        const value = entry.framed;
        const length = lengthPrefix(value.length).length + value.length;
        (batch.framed as Buffer[]).push(value);
        batch.owners.push(index);
        if (entry.transcode) batch.transcode++;
        batch.bytes += length;
        this.bytes += length;
        this.sharedBytes += value.length;
        this.rows++;
        continue;
      }
      if (entry.binary !== undefined) {
        const chunks = batch.binary as ChunkedBytes;
        chunks.append(entry.binary, entry.start, entry.end);
        batch.owners.push(index);
        batch.rowEnds.push(chunks.length);
        batch.bytes += entry.end - entry.start;
        this.bytes += entry.end - entry.start;
        this.rows++;
        continue;
      }
      for (const line of entry.lines) {
        batch.lines.push(line);
        batch.owners.push(index);
        batch.bytes += line.length + 1;
        this.bytes += line.length + 1;
        this.rows++;
      }
    }
  }
}
