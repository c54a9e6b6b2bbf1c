import { createHash } from 'node:crypto';
import type { BusRecord } from '@tracebar/bus';

/**
 * Identifies a run of records by what only those records have: offsets, producer timestamps,
 * keys and value lengths. The same records read again give the same fingerprint, and so the
 * same insert deduplication tokens. Records at the same offsets of another log (a recreated
 * topic, the in-process bus after a restart) differ in timestamps, so their inserts are new.
 * Hashing the values themselves would cost more than decoding them.
 */
export function rangeFingerprint(topic: string, partition: number, records: readonly BusRecord[]): string {
  let size = 0;
  for (const record of records) size += 24 + record.key.length;
  // One buffer, one hash update: a native call per record costs more than the hashing. Written
  // through a DataView (inlined by the compiler, unlike Buffer's write methods) and short keys by
  // hand; the bytes are the same as ever (tokens must not change across versions).
  const input = Buffer.allocUnsafe(size);
  const view = new DataView(input.buffer, input.byteOffset, input.length);
  let at = 0;
  for (const record of records) {
    const key = record.key;
    view.setFloat64(at, record.offset, true);
    view.setFloat64(at + 8, record.timestamp, true);
    view.setUint32(at + 16, record.value.length, true);
    view.setUint32(at + 20, key.length, true);
    at += 24;
    if (key.length <= 64) for (let i = 0; i < key.length; i++) input[at + i] = key[i] as number;
    else key.copy(input, at);
    at += key.length;
  }
  return createHash('sha256').update(`${topic}\u0000${partition}\u0000`).update(input).digest('hex').slice(0, 40);
}
