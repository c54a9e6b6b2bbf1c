// Session records on the wire: byte-identical to the generated encoder, the digest, and parts.
import { createHash } from 'node:crypto';
import { CloseReason, decodeSessionRecord, encodeSessionRecordWithSpanBytes } from '@tracebar/proto';
import { describe, expect, it } from 'vitest';
import { assembleRecord, assembleSession, type ClosingSession } from '../src/assemble-session.js';
import { joinSessionParts } from '../src/join-parts.js';
import { contentDigest, encodeSession } from '../src/session-encoder.js';
import { random } from './core-helpers.js';
import { llm, spanBytes, tool, type SpanSpec } from './span-fixtures.js';

const specs: SpanSpec[] = Array.from({ length: 40 }, (_, i) => ({
  session: 'big',
  spanId: `s${i}`,
  start: i * 10,
  end: i * 10 + 5,
  padding: 900 + (i % 7) * 100,
  genAi: i % 3 === 0 ? llm(`question ${Math.floor(i / 9)}`, `answer ${i}`) : undefined,
}));
const session: ClosingSession = { key: 'default/big', spans: specs.map(spanBytes), revision: 2, closeReason: CloseReason.CLOSE_REASON_IDLE, truncated: false, evicted: false, truncatedSpans: 0 };
const assembled = assembleSession(session, 4_096);
const record = () => assembleRecord(session, 4_096);

describe('encodeSession', () => {
  it('writes what the generated encoder writes, with the digest of the record without it', () => {
    const { values, digest } = encodeSession(record(), 8 * 1_048_576);
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
    expect(Buffer.compare(encodeSession(record(), 8 * 1_048_576).values[0] as Buffer, values[0] as Buffer)).toBe(0);
  });

  it('splits a record over the limit into parts that join back, in any order and repeated', () => {
    const limit = 8_000;
    const whole = encodeSession(record(), 8 * 1_048_576);
    const { values, digest } = encodeSession(record(), limit);
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

  it('writes the bytes the generated encoder writes for the same record, whatever the spans hold', () => {
    // The header is written by hand (record-assembler.ts): random sessions with non-ASCII ids and
    // texts, long texts (multi-byte lengths), tool calls with and without results, repeats.
    const next = random(42);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
    const texts = ['', 'Find flights', 'Error: declined', 'é'.repeat(40), 'x'.repeat(300), '日本語'];
    for (let round = 0; round < 200; round++) {
      const specs: SpanSpec[] = Array.from({ length: 1 + Math.floor(next() * 12) }, (_, i) => ({
        session: 's',
        spanId: pick(['', 'ü', 'a']) + String(i),
        traceId: pick(['a'.repeat(32), 'b'.repeat(32), 'ß']),
        parentSpanId: pick(['', '0', '1']),
        start: Math.floor(next() * 5),
        end: 5 + Math.floor(next() * 5),
        serviceName: pick(['', 'agent', 'ågent']),
        statusCode: pick([0, 2]),
        genAi: pick([
          undefined,
          llm(pick(texts), pick(texts), { outputMessages: [{ role: 'assistant', content: pick(texts), toolCalls: [{ id: pick(['c1', 'c2', '']), name: pick(['search', 'bök']) }] }] }),
          llm(pick(texts), '', { inputMessages: [{ role: 'user', content: pick(texts) }, { role: 'tool', toolCallId: pick(['c1', 'c2']), content: pick(texts) }] }),
          tool(pick(['search', 'bök', '']), pick(['c1', 'c2', '']), pick(texts)),
          { operationName: 'invoke_agent', agentName: pick(['', 'böoker']), inputValue: pick(texts), outputValue: pick(texts) },
        ]),
      }));
      const spans = specs.map(spanBytes);
      if (next() < 0.3) spans.push(spans[0] as Buffer);
      const closing: ClosingSession = { key: 'default/s', spans, revision: 1 + round, closeReason: CloseReason.CLOSE_REASON_IDLE, truncated: next() < 0.5, evicted: false, truncatedSpans: round };
      const maxText = pick([8, 4_096]);
      const { values, digest } = encodeSession(assembleRecord(closing, maxText), 8 * 1_048_576);
      const { record, spans: ordered } = assembleSession(closing, maxText);
      const expected = encodeSessionRecordWithSpanBytes({ ...record, contentDigest: digest }, ordered);
      expect(Buffer.compare(values[0] as Buffer, Buffer.from(expected))).toBe(0);
      expect(digest).toBe(contentDigest(record, ordered));
    }
  });
});
