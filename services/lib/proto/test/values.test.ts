import { describe, expect, it } from 'vitest';
import {
  contentTypeHeader,
  decodeSpanRecord,
  encodeSpanRecord,
  idFromHex,
  idToHex,
  parseSessionRecordKey,
  recordHeaders,
  schemaHeader,
  sessionRecordKey,
  toBigInt,
  toLong,
  topicCatalog,
} from '../src/index.js';

describe('64-bit values', () => {
  it('round-trips the full uint64 and int64 ranges through Long', () => {
    for (const v of [0n, 1n, 2n ** 53n + 1n, 2n ** 64n - 1n, -1n, -(2n ** 63n)]) {
      expect(toBigInt(toLong(v))).toBe(v);
    }
    expect(toBigInt(7)).toBe(7n);
    expect(toBigInt('8')).toBe(8n);
    expect(toBigInt(null)).toBe(0n);
  });

  it('encodes a Long made by toLong in a fixed64 field', () => {
    const t = 2n ** 64n - 2n;
    expect(toBigInt(decodeSpanRecord(encodeSpanRecord({ endTimeUnixNano: toLong(t) })).endTimeUnixNano)).toBe(t);
  });
});

describe('ids', () => {
  it('converts OTLP id bytes to lowercase hex and back', () => {
    const bytes = Uint8Array.from([0x5b, 0x8e, 0xff, 0x00, 0x01, 0x02, 0x03, 0xa0]);
    expect(idToHex(bytes)).toBe('5b8eff00010203a0');
    expect(idFromHex('5B8EFF00010203A0')).toEqual(bytes);
    expect(idToHex(bytes.subarray(2, 4))).toBe('ff00');
    expect(idFromHex('')).toEqual(new Uint8Array(0));
  });

  it('rejects non-hex and odd-length ids', () => {
    expect(() => idFromHex('abc')).toThrow(RangeError);
    expect(() => idFromHex('zz')).toThrow(RangeError);
  });
});

describe('topic conventions', () => {
  it('keys a session by tenant and session key, splitting at the first slash', () => {
    const key = sessionRecordKey('acme', 'a/b/c');
    expect(key).toBe('acme/a/b/c');
    expect(parseSessionRecordKey(key)).toEqual({ tenant: 'acme', sessionKey: 'a/b/c' });
    expect(parseSessionRecordKey('nokey')).toBeUndefined();
  });

  it('names the schema and content type in the headers', () => {
    expect(recordHeaders(topicCatalog.review)).toEqual({
      [schemaHeader]: 'tracebar.v1.ReviewItem',
      [contentTypeHeader]: 'application/json',
    });
    expect(topicCatalog.spans.topic).toBe('tracebar.spans.v1');
  });
});
