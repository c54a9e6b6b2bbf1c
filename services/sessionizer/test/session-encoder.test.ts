// Session records on the wire: byte-identical to the generated encoder, the digest, and parts.
import { createHash } from 'node:crypto';
import { CloseReason, decodeSessionRecord, encodeSessionRecordWithSpanBytes } from '@tracebar/proto';
import { describe, expect, it } from 'vitest';
import { assembleSession } from '../src/assemble-session.js';
import { joinSessionParts } from '../src/join-parts.js';
import { contentDigest, encodeSession } from '../src/session-encoder.js';
import { llm, spanBytes, type SpanSpec } from './span-fixtures.js';

const specs: SpanSpec[] = Array.from({ length: 40 }, (_, i) => ({
  session: 'big',
  spanId: `s${i}`,
  start: i * 10,
  end: i * 10 + 5,
  padding: 900 + (i % 7) * 100,
  genAi: i % 3 === 0 ? llm(`question ${Math.floor(i / 9)}`, `answer ${i}`) : undefined,
}));
const assembled = assembleSession(
  { key: 'default/big', spans: specs.map(spanBytes), revision: 2, closeReason: CloseReason.CLOSE_REASON_IDLE, truncated: false, evicted: false, truncatedSpans: 0 },
  4_096,
);

describe('encodeSession', () => {
  it('writes what the generated encoder writes, with the digest of the record without it', () => {
    const { values, digest } = encodeSession(assembled, 8 * 1_048_576);
    expect(values).toHaveLength(1);
    const withoutDigest = encodeSessionRecordWithSpanBytes({ ...assembled.record, contentDigest: undefined }, assembled.spans);
    expect(digest).toBe(createHash('sha256').update(withoutDigest).digest('hex'));
    expect(digest).toBe(contentDigest(assembled.record, assembled.spans));
    const expected = encodeSessionRecordWithSpanBytes({ ...assembled.record, contentDigest: digest }, assembled.spans);
    expect(Buffer.compare(values[0] as Buffer, Buffer.from(expected))).toBe(0);
    const decoded = decodeSessionRecord(values[0] as Buffer);
    expect(decoded.partCount).toBe(0);
    expect(decoded.spans.map((span) => span.spanId)).toEqual(specs.map((spec) => spec.spanId.padStart(16, '0')));
    // Deterministic: the same session encodes to the same bytes.
    expect(Buffer.compare(encodeSession(assembled, 8 * 1_048_576).values[0] as Buffer, values[0] as Buffer)).toBe(0);
  });

  it('splits a record over the limit into parts that join back, in any order and repeated', () => {
    const limit = 8_000;
    const whole = encodeSession(assembled, 8 * 1_048_576);
    const { values, digest } = encodeSession(assembled, limit);
    expect(values.length).toBeGreaterThan(4);
    expect(digest).toBe(whole.digest);
    const parts = values.map((value) => decodeSessionRecord(value));
    parts.forEach((part, index) => {
      expect(values[index]?.length).toBeLessThanOrEqual(limit);
      expect(part).toMatchObject({ tenant: 'default', sessionKey: 'big', revision: 2, partIndex: index, partCount: values.length, contentDigest: digest });
      expect(part.spans.length).toBeGreaterThan(0);
      expect(part.summary !== null && part.summary !== undefined).toBe(index === 0);
    });
    expect(parts.map((part) => part.spanOffset)).toEqual(parts.map((_, i) => parts.slice(0, i).reduce((sum, p) => sum + p.spans.length, 0)));

    const joined = joinSessionParts([...values].reverse().concat(values.slice(0, 2)));
    expect(joined.digestMatches).toBe(true);
    expect(joined.spans.map((span) => span.toString('hex'))).toEqual(assembled.spans.map((span) => span.toString('hex')));
    expect(joined.record.summary?.spanCount).toBe(40);
    expect(joined.record.spans).toHaveLength(40);
    expect(() => joinSessionParts(values.slice(1))).toThrow(/parts/);
  });
});
