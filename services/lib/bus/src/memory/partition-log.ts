import type { BusRecord } from '../types.js';
import type { StoredRecordData } from './record-codec.js';

interface StoredRecord {
  record: BusRecord;
  bytes: number;
}

/** The durable bus's files of one partition, for records that left memory. */
export interface SpillSource {
  /** Records from `from` (inclusive) to `to` (exclusive): at least one, then up to the bounds. */
  readRecords(from: number, to: number, maxRecords: number, maxBytes: number): StoredRecordData[];
}

/**
 * One partition's append-only log from the oldest offset some group still needs to the newest.
 * In memory unless the bus is durable: then the files (partition-segments.ts) hold the same
 * records, consumers read only up to `readableEnd`, what is on disk (Kafka's high watermark), so
 * nothing a restart could lose is ever handed out or committed past, and the oldest records may
 * leave memory (`spill`) while a group still needs them: they are read back from the files. Then
 * the records from `baseOffset` to `residentBase` are on disk only, the rest in memory too.
 */
export class PartitionLog {
  readonly topic: string;
  readonly partition: number;
  #records: StoredRecord[] = [];
  #head = 0;
  #baseOffset = 0;
  /** Counted bytes of the records in memory. */
  #bytes = 0;
  #readableEnd = 0;
  #spill: SpillSource | undefined;
  /** Counted bytes of each record on disk only, from baseOffset on (from `#spilledHead`). */
  #spilled: number[] = [];
  #spilledHead = 0;
  #spilledBytes = 0;
  /** Records read back from the files, since start. */
  readBack = 0;

  constructor(topic: string, partition: number) {
    this.topic = topic;
    this.partition = partition;
  }

  /** Offset of the oldest record retained (in memory or on disk only). */
  get baseOffset(): number {
    return this.#baseOffset;
  }

  /** Offset of the oldest record in memory; below it (down to baseOffset) records are on disk only. */
  get residentBase(): number {
    return this.#baseOffset + this.#spilled.length - this.#spilledHead;
  }

  /** Offset the next appended record gets. */
  get nextOffset(): number {
    return this.residentBase + this.#records.length - this.#head;
  }

  /** Records below this offset may be read (all appended ones, unless the bus is durable). */
  get readableEnd(): number {
    return this.#readableEnd;
  }

  /** The durable bus: records up to `end` are on disk. */
  markReadable(end: number): void {
    if (end > this.#readableEnd) this.#readableEnd = end;
  }

  /** The durable bus: where records that left memory are read back from. */
  spillTo(source: SpillSource): void {
    this.#spill = source;
  }

  /**
   * Start-up of the durable bus: an empty log takes what was read back from disk: `spilled`, the
   * sizes of the records from `firstOffset` that stay on disk only, then `records`, the newest,
   * in memory. Without any, it continues at `nextOffset`.
   */
  restore(
    loaded: { firstOffset: number; spilled: readonly number[]; records: readonly { offset: number; key: Buffer; value: Buffer; headers: Record<string, Buffer>; bytes: number; timestamp: number }[] },
    nextOffset: number,
  ): void {
    if (this.#records.length > this.#head || this.#spilled.length > this.#spilledHead) throw new Error(`${this.topic}/${this.partition}: restore into a log that holds records`);
    this.#records = [];
    this.#head = 0;
    this.#bytes = 0;
    const empty = loaded.spilled.length === 0 && loaded.records.length === 0;
    this.#baseOffset = empty ? nextOffset : loaded.firstOffset;
    this.#spilled = [...loaded.spilled];
    this.#spilledHead = 0;
    this.#spilledBytes = loaded.spilled.reduce((sum, bytes) => sum + bytes, 0);
    for (const r of loaded.records) {
      if (r.offset !== this.nextOffset) throw new Error(`${this.topic}/${this.partition}: restored offset ${r.offset}, expected ${this.nextOffset}`);
      this.append(r.key, r.value, r.headers, r.bytes, r.timestamp, true);
    }
    this.#readableEnd = this.nextOffset;
  }

  /** Records in memory. */
  get count(): number {
    return this.#records.length - this.#head;
  }

  /** Counted bytes of the records in memory. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Counted bytes of every record retained, on disk only or in memory. */
  get retainedBytes(): number {
    return this.#spilledBytes + this.#bytes;
  }

  /** Appends and returns the record's offset; `readable` false leaves it to markReadable(). */
  append(key: Buffer, value: Buffer, headers: Readonly<Record<string, Buffer>>, bytes: number, timestamp: number, readable = true): number {
    const offset = this.nextOffset;
    const record: BusRecord = { topic: this.topic, partition: this.partition, offset, key, value, headers, timestamp };
    this.#records.push({ record, bytes });
    this.#bytes += bytes;
    if (readable) this.#readableEnd = offset + 1;
    return offset;
  }

  /** Readable records from `offset` on; at least one if any, then up to the bounds. */
  read(offset: number, maxRecords: number, maxBytes: number): { records: BusRecord[]; bytes: number } {
    const from = Math.max(offset, this.#baseOffset);
    if (from < this.residentBase) return this.#readBack(from, maxRecords, maxBytes);
    const records: BusRecord[] = [];
    let bytes = 0;
    const start = from - this.residentBase + this.#head;
    const end = Math.min(this.#records.length, this.#readableEnd - this.residentBase + this.#head);
    for (let i = start; i < end && records.length < maxRecords; i++) {
      const stored = this.#records[i] as StoredRecord;
      if (records.length > 0 && bytes + stored.bytes > maxBytes) break;
      records.push(stored.record);
      bytes += stored.bytes;
    }
    return { records, bytes };
  }

  /**
   * Takes the oldest readable (on disk) records out of memory until at most `keepBytes` and
   * `keepCount` remain there; returns how many left. Nothing leaves without the files to read
   * it back from.
   */
  spill(keepBytes: number, keepCount: number): number {
    if (!this.#spill) return 0;
    let moved = 0;
    while ((this.#bytes > keepBytes || this.count > keepCount) && this.#head < this.#records.length && this.residentBase < this.#readableEnd) {
      const stored = this.#records[this.#head] as StoredRecord;
      this.#records[this.#head] = undefined as unknown as StoredRecord;
      this.#head++;
      this.#bytes -= stored.bytes;
      this.#spilled.push(stored.bytes);
      this.#spilledBytes += stored.bytes;
      moved++;
    }
    this.#compact();
    return moved;
  }

  /** Drops records below `offset`; returns how many. */
  releaseBelow(offset: number): number {
    let released = 0;
    while (this.#baseOffset < offset && this.#spilledHead < this.#spilled.length) {
      this.#spilledBytes -= this.#spilled[this.#spilledHead] as number;
      this.#spilledHead++;
      this.#baseOffset++;
      released++;
    }
    while (this.#baseOffset < offset && this.#head < this.#records.length) {
      const stored = this.#records[this.#head] as StoredRecord;
      this.#records[this.#head] = undefined as unknown as StoredRecord;
      this.#bytes -= stored.bytes;
      this.#head++;
      this.#baseOffset++;
      released++;
    }
    this.#compact();
    return released;
  }

  #readBack(from: number, maxRecords: number, maxBytes: number): { records: BusRecord[]; bytes: number } {
    const stored = (this.#spill as SpillSource).readRecords(from, this.residentBase, maxRecords, maxBytes);
    this.readBack += stored.length;
    let bytes = 0;
    const records = stored.map((r): BusRecord => {
      bytes += r.bytes;
      return { topic: this.topic, partition: this.partition, offset: r.offset, key: r.key, value: r.value, headers: r.headers, timestamp: r.timestamp };
    });
    return { records, bytes };
  }

  /** Now and then instead of shifting on every release. */
  #compact(): void {
    if (this.#head > 1024 && this.#head * 2 > this.#records.length) {
      this.#records = this.#records.slice(this.#head);
      this.#head = 0;
    }
    if (this.#spilledHead > 1024 && this.#spilledHead * 2 > this.#spilled.length) {
      this.#spilled = this.#spilled.slice(this.#spilledHead);
      this.#spilledHead = 0;
    }
  }
}
