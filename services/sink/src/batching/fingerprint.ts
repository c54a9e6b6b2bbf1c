import { createHash } from 'node:crypto';
import type { BusRecord } from '@tracebar/bus';

/**
 * Identifies a run of records by what only those records have: offsets, producer timestamps,
 * keys and value lengths. The same records read again give the same fingerprint, and so the
 * same insert deduplication tokens. Records at the same offsets of another log (a recreated
 * topic, the in-process bus after a restart) differ in timestamps, so their inserts are new.
 * Hashing the values themselves would cost more than decoding them.
 *
 * The input is collected as records arrive (while they are in the CPU's cache: at write time,
 * re-reading thousands of scattered record objects costs more than the hashing) and hashed once.
 * The bytes are those of every earlier version (tokens must not change across versions): per
 * record, offset and timestamp as float64, value and key length as uint32, little-endian, then
 * the key.
 */
export class FingerprintInput {
  #bytes = Buffer.allocUnsafe(4_096);
  #view = new DataView(this.#bytes.buffer, this.#bytes.byteOffset, this.#bytes.length);
  length = 0;

  add(record: BusRecord): void {
    const key = record.key;
    const need = this.length + 24 + key.length;
    if (need > this.#bytes.length) this.#grow(need);
    const view = this.#view;
    const at = this.length;
    view.setFloat64(at, record.offset, true);
    view.setFloat64(at + 8, record.timestamp, true);
    view.setUint32(at + 16, record.value.length, true);
    view.setUint32(at + 20, key.length, true);
    // Short keys by hand: cheaper than a native copy.
    if (key.length <= 64) {
      const bytes = this.#bytes;
      for (let i = 0; i < key.length; i++) bytes[at + 24 + i] = key[i] as number;
    } else {
      key.copy(this.#bytes, at + 24);
    }
    this.length = need;
  }

  digest(topic: string, partition: number): string {
    return createHash('sha256').update(`${topic}\u0000${partition}\u0000`).update(this.#bytes.subarray(0, this.length)).digest('hex').slice(0, 40);
  }

  #grow(need: number): void {
    const next = Buffer.allocUnsafe(Math.max(need, this.#bytes.length * 2));
    this.#bytes.copy(next, 0, 0, this.length);
    this.#bytes = next;
    this.#view = new DataView(next.buffer, next.byteOffset, next.length);
  }
}

export function rangeFingerprint(topic: string, partition: number, records: readonly BusRecord[]): string {
  const input = new FingerprintInput();
  for (const record of records) input.add(record);
  return input.digest(topic, partition);
}
