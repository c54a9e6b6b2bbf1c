import type { BusRecord } from '@tracebar/bus';
import { expect, it } from 'vitest';
import { rangeFingerprint } from '../src/batching/fingerprint.js';

// Insert deduplication tokens derive from this fingerprint, and the insert log keeps it: a sink
// of a newer version replaying ranges logged by an older one must compute the same value.
it('fingerprints a range exactly as every earlier version did', () => {
  const record = (offset: number, timestamp: number, key: Buffer, valueBytes: number) => ({ topic: 't', partition: 3, offset, timestamp, key, value: Buffer.alloc(valueBytes), headers: {} }) as unknown as BusRecord;
  const records = [
    record(0, 1_732_000_000_123, Buffer.from('acme/s1'), 10),
    record(1, 1_732_000_000_124, Buffer.from(`acme/${'k'.repeat(100)}`), 2_000), // a key copied natively
    record(2 ** 40, 1_732_000_000_125, Buffer.alloc(0), 0),
  ];
  // Computed with the Buffer#writeDoubleLE implementation this one replaced.
  expect(rangeFingerprint('tracebar.spans.v1', 3, records)).toBe('8e8c117fd64b34e34f5e7b7abffa4c97fa4a5f59');
  expect(rangeFingerprint('tracebar.spans.v1', 3, records.slice(0, 2))).not.toBe('8e8c117fd64b34e34f5e7b7abffa4c97fa4a5f59');
});
