import type { BusRecord } from '../types.js';

interface StoredRecord {
  record: BusRecord;
  bytes: number;
}

/**
 * One partition's append-only log, kept in memory from the oldest offset some group still needs
 * to the newest. The shape (append, read from an offset, release a prefix) is what a file-backed
 * log for the embedded mode would implement too.
 */
export class PartitionLog {
  readonly topic: string;
  readonly partition: number;
  #records: StoredRecord[] = [];
  #head = 0;
  #baseOffset = 0;
  #bytes = 0;

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

  get count(): number {
    return this.#records.length - this.#head;
  }

  get bytes(): number {
    return this.#bytes;
  }

  append(key: Buffer, value: Buffer, headers: Readonly<Record<string, Buffer>>, bytes: number, timestamp: number): void {
    const record: BusRecord = { topic: this.topic, partition: this.partition, offset: this.nextOffset, key, value, headers, timestamp };
    this.#records.push({ record, bytes });
    this.#bytes += bytes;
  }

  /** Records from `offset` on; at least one if any, then up to the bounds. */
  read(offset: number, maxRecords: number, maxBytes: number): { records: BusRecord[]; bytes: number } {
    const records: BusRecord[] = [];
    let bytes = 0;
    const from = Math.max(offset, this.#baseOffset) - this.#baseOffset + this.#head;
    for (let i = from; i < this.#records.length && records.length < maxRecords; i++) {
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
