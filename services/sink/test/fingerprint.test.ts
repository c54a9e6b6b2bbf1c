import { createHash } from 'node:crypto';
import type { BusRecord } from '@tracebar/bus';
import { expect, it } from 'vitest';
import { rangeFingerprint } from '../src/batching/fingerprint.js';
import { PendingRange } from '../src/batching/pending-range.js';

const record = (offset: number, timestamp: number, key: Buffer, valueBytes: number) => ({ topic: 't', partition: 3, offset, timestamp, key, value: Buffer.alloc(valueBytes), headers: {} }) as unknown as BusRecord;

/** The first implementation, kept as the reference the bytes must match. */
function reference(topic: string, partition: number, records: readonly BusRecord[]): string {
  let size = 0;
  for (const r of records) size += 24 + r.key.length;
  const input = Buffer.allocUnsafe(size);
  let at = 0;
  for (const r of records) {
    at = input.writeDoubleLE(r.offset, at);
    at = input.writeDoubleLE(r.timestamp, at);
    at = input.writeUInt32LE(r.value.length, at);
    at = input.writeUInt32LE(r.key.length, at);
    at += r.key.copy(input, at);
  }
  return createHash('sha256').update(`${topic}\u0000${partition}\u0000`).update(input).digest('hex').slice(0, 40);
}

// Insert deduplication tokens derive from this fingerprint, and the insert log keeps it: a sink
// of a newer version replaying ranges logged by an older one must compute the same value.
it('fingerprints a range exactly as every earlier version did', () => {
  const records = [
    record(0, 1_732_000_000_123, Buffer.from('acme/s1'), 10),
    record(1, 1_732_000_000_124, Buffer.from(`acme/${'k'.repeat(100)}`), 2_000), // a key copied natively
    record(2 ** 40, 1_732_000_000_125, Buffer.alloc(0), 0),
  ];
  expect(rangeFingerprint('tracebar.spans.v1', 3, records)).toBe('8e8c117fd64b34e34f5e7b7abffa4c97fa4a5f59');
  expect(reference('tracebar.spans.v1', 3, records)).toBe('8e8c117fd64b34e34f5e7b7abffa4c97fa4a5f59');
  expect(rangeFingerprint('tracebar.spans.v1', 3, records.slice(0, 2))).not.toBe('8e8c117fd64b34e34f5e7b7abffa4c97fa4a5f59');

  // A range collects the same input as its records arrive, past its first buffer's size.
  const many = Array.from({ length: 500 }, (_, i) => record(i * 7, 1_732_000_000_000 + i, Buffer.from(`tenant-${i % 3}/session-${i}`.repeat(1 + (i % 9))), i * 13));
  const range = new PendingRange('tracebar.spans.v1', 3, 0);
  for (const r of many) range.add(r, undefined);
  expect(range.fingerprint()).toBe(reference('tracebar.spans.v1', 3, many));
  expect(rangeFingerprint('tracebar.spans.v1', 3, many)).toBe(reference('tracebar.spans.v1', 3, many));
});
