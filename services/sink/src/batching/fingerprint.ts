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
  // One buffer, one hash update: a native call per record costs more than the hashing.
  const input = Buffer.allocUnsafe(size);
  let at = 0;
  for (const record of records) {
    at = input.writeDoubleLE(record.offset, at);
    at = input.writeDoubleLE(record.timestamp, at);
    at = input.writeUInt32LE(record.value.length, at);
    at = input.writeUInt32LE(record.key.length, at);
    at += record.key.copy(input, at);
  }
  return createHash('sha256').update(`${topic}\u0000${partition}\u0000`).update(input).digest('hex').slice(0, 40);
}
