import type { BusRecord } from '../types.js';

interface StoredRecord {
  record: BusRecord;
  bytes: number;
}

/**
 * One partition's append-only log, kept in memory from the oldest offset some group still needs
 * to the newest. With the durable bus the files (partition-segments.ts) hold the same records;
 * consumers read only up to `readableEnd`, what is on disk (Kafka's high watermark), so nothing
 * a restart could lose is ever handed out or committed past.
 */
export class PartitionLog {
  readonly topic: string;
  readonly partition: number;
  #records: StoredRecord[] = [];
  #head = 0;
  #baseOffset = 0;
  #bytes = 0;
  #readableEnd = 0;

  constructor(topic: string, partition: number) {
    this.topic = topic;
    this.partition = partition;
  }

  /** Offset of the oldest record held. */
  get baseOffset(): number {
    return this.#baseOffset;
  }

  /** Offset the next appended record gets. */
  get nextOffset(): number {
    return this.#baseOffset + this.#records.length - this.#head;
  }

  /** Records below this offset may be read (all appended ones, unless the bus is durable). */
  get readableEnd(): number {
    return this.#readableEnd;
  }

  /** The durable bus: records up to `end` are on disk. */
  markReadable(end: number): void {
    if (end > this.#readableEnd) this.#readableEnd = end;
  }

  /** Start-up of the durable bus: an empty log takes the records read back from disk; without any, it continues at `nextOffset`. */
  restore(records: readonly { offset: number; key: Buffer; value: Buffer; headers: Record<string, Buffer>; bytes: number; timestamp: number }[], nextOffset: number): void {
    if (this.#records.length > this.#head) throw new Error(`${this.topic}/${this.partition}: restore into a log that holds records`);
    this.#records = [];
    this.#head = 0;
    this.#bytes = 0;
    this.#baseOffset = records[0]?.offset ?? nextOffset;
    for (const r of records) {
      if (r.offset !== this.nextOffset) throw new Error(`${this.topic}/${this.partition}: restored offset ${r.offset}, expected ${this.nextOffset}`);
      this.append(r.key, r.value, r.headers, r.bytes, r.timestamp, true);
    }
    this.#readableEnd = this.nextOffset;
  }

  get count(): number {
    return this.#records.length - this.#head;
  }

  get bytes(): number {
    return this.#bytes;
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
    const records: BusRecord[] = [];
    let bytes = 0;
    const from = Math.max(offset, this.#baseOffset) - this.#baseOffset + this.#head;
    const end = Math.min(this.#records.length, this.#readableEnd - this.#baseOffset + this.#head);
    for (let i = from; i < end && records.length < maxRecords; i++) {
      const stored = this.#records[i] as StoredRecord;
      if (records.length > 0 && bytes + stored.bytes > maxBytes) break;
      records.push(stored.record);
      bytes += stored.bytes;
    }
    return { records, bytes };
  }

  /** Drops records below `offset`; returns how many. */
  releaseBelow(offset: number): number {
    let released = 0;
    while (this.#baseOffset < offset && this.#head < this.#records.length) {
      const stored = this.#records[this.#head] as StoredRecord;
      this.#bytes -= stored.bytes;
      this.#head++;
      this.#baseOffset++;
      released++;
    }
    // Compact now and then instead of shifting on every release.
    if (this.#head > 1024 && this.#head * 2 > this.#records.length) {
      this.#records = this.#records.slice(this.#head);
      this.#head = 0;
    }
    return released;
  }
}
