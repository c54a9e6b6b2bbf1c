import { describe, expect, it } from 'vitest';
import {
  Alert,
  DeadLetter,
  Label,
  ReviewItem,
  ScoreRecord,
  SessionRecord,
  SpanRecord,
  alertFromJsonLine,
  alertToJsonLine,
  decodeDeadLetter,
  decodeLabel,
  decodeScoreRecord,
  decodeSessionRecord,
  decodeSpanRecord,
  decodeSpanRecordHead,
  encodeDeadLetter,
  encodeLabel,
  encodeScoreRecord,
  encodeSessionRecord,
  encodeSessionRecordWithSpanBytes,
  encodeSpanRecord,
  fromJsonLine,
  reviewItemFromJsonLine,
  reviewItemToJsonLine,
  toBigInt,
  toJsonLine,
  type JsonMessageType,
} from '../src/index.js';
import { alert, deadLetter, label, reviewItem, scoreRecord, sessionRecord, spanRecord, t0 } from './fixtures.js';

/** A comparable plain form of a message: 64-bit ints as strings, bytes as base64, enums by name. */
function plain<T>(type: JsonMessageType<T>, message: T): unknown {
  return type.toObject(message, { longs: String, enums: String, bytes: String });
}

const binaryCases = [
  { name: 'SpanRecord', type: SpanRecord, fixture: spanRecord(1), encode: encodeSpanRecord, decode: decodeSpanRecord },
  { name: 'SessionRecord', type: SessionRecord, fixture: sessionRecord(), encode: encodeSessionRecord, decode: decodeSessionRecord },
  { name: 'ScoreRecord', type: ScoreRecord, fixture: scoreRecord(), encode: encodeScoreRecord, decode: decodeScoreRecord },
  { name: 'Label', type: Label, fixture: label(), encode: encodeLabel, decode: decodeLabel },
  { name: 'DeadLetter', type: DeadLetter, fixture: deadLetter(), encode: encodeDeadLetter, decode: decodeDeadLetter },
] as const;

describe('binary round trip', () => {
  for (const c of binaryCases) {
    it(`${c.name} survives encode → decode with every field`, () => {
      const type = c.type as unknown as JsonMessageType<unknown>;
      const expected = plain(type, type.fromObject(c.fixture as never));
      const bytes = (c.encode as (m: unknown) => Uint8Array)(c.fixture);
      const decoded = (c.decode as (b: Uint8Array) => unknown)(bytes);
      expect(plain(type, decoded)).toEqual(expected);
      // Encoding is deterministic: the decoded message encodes to the same bytes.
      expect((c.encode as (m: unknown) => Uint8Array)(decoded)).toEqual(bytes);
    });
  }
});

const allTypes: { name: string; type: JsonMessageType<unknown>; fixture: object }[] = [
  ...binaryCases.map((c) => ({ name: c.name, type: c.type as unknown as JsonMessageType<unknown>, fixture: c.fixture })),
  { name: 'ReviewItem', type: ReviewItem as unknown as JsonMessageType<unknown>, fixture: reviewItem() },
  { name: 'Alert', type: Alert as unknown as JsonMessageType<unknown>, fixture: alert() },
];

describe('JSON round trip', () => {
  for (const c of allTypes) {
    it(`${c.name} survives toJsonLine → fromJsonLine`, () => {
      const message = c.type.fromObject(c.fixture as never);
      const line = toJsonLine(c.type, message);
      expect(line).not.toContain('\n');
      expect(plain(c.type, fromJsonLine(c.type, line))).toEqual(plain(c.type, message));
    });
  }
});

describe('review and alert JSON lines follow the protobuf JSON mapping', () => {
  it('prints lowerCamelCase names, 64-bit ints as strings, enums by name', () => {
    const line = reviewItemToJsonLine(reviewItem());
    const json = JSON.parse(line) as Record<string, unknown>;
    expect(json).toMatchObject({
      tenant: 'acme',
      sessionKey: 'sess-42',
      sessionRevision: 2,
      objective: { id: 'airline-booking', version: 3, contentHash: '9f86d081884c7d65' },
      priority: 0.83,
      status: 'REVIEW_STATUS_OPEN',
      verdict: 'OUTCOME_FAILED',
      createdTimeUnixNano: (t0 + 3_000_000_000n).toString(),
      reasons: [
        { code: 'failed_required_evaluator', contribution: 0.5, detail: 'tools failed', evaluatorId: 'tools' },
        { code: 'tool_error_rate', contribution: 0.33, detail: '1 of 1 tool calls failed' },
      ],
    });
    expect(Object.keys(json).some((k) => k.includes('_'))).toBe(false);
    expect(toBigInt(reviewItemFromJsonLine(line).createdTimeUnixNano)).toBe(t0 + 3_000_000_000n);
  });

  it('prints an alert with its map and uint64 fields', () => {
    const json = JSON.parse(alertToJsonLine(alert())) as Record<string, unknown>;
    expect(json).toMatchObject({
      kind: 'ALERT_KIND_PATTERN_DRIFT',
      severity: 'ALERT_SEVERITY_WARNING',
      state: 'ALERT_STATE_FIRING',
      sampleSize: '250',
      dimensions: { 'service.version': '1.4.2' },
      sessions: [{ tenant: 'acme', sessionKey: 'sess-42', revision: 2 }],
      pattern: { pattern: 'tool_failure' },
    });
  });

  it('omits unset fields and writes non-finite doubles and unknown enum numbers as the mapping says', () => {
    expect(reviewItemToJsonLine({})).toBe('{}');
    const line = reviewItemToJsonLine({ priority: Number.NaN, status: 42 as never });
    expect(JSON.parse(line)).toEqual({ priority: 'NaN', status: 42 });
    const back = reviewItemFromJsonLine(line);
    expect(back.priority).toBeNaN();
    expect(back.status).toBe(42);
  });

  it('parses enums given by number and 64-bit ints given as numbers', () => {
    const item = reviewItemFromJsonLine('{"status":1,"createdTimeUnixNano":1000,"unknownMember":true}');
    expect(item.status).toBe(ReviewItem.fromObject({ status: 'REVIEW_STATUS_OPEN' }).status);
    expect(toBigInt(item.createdTimeUnixNano)).toBe(1000n);
  });

  it('rejects a line that is not a JSON object', () => {
    expect(() => alertFromJsonLine('not json')).toThrow(SyntaxError);
    expect(() => alertFromJsonLine('[1]')).toThrow(TypeError);
    expect(() => alertFromJsonLine('{"objective":"x"}')).toThrow(TypeError);
  });
});

describe('SpanRecord details', () => {
  it('SpanRecordHead reads the routing fields of SpanRecord bytes and skips the rest', () => {
    const record = spanRecord(2);
    const head = decodeSpanRecordHead(encodeSpanRecord(record));
    expect(head.toJSON()).toEqual({
      tenant: 'acme',
      sessionKey: 'sess-42',
      traceId: record.traceId,
      spanId: record.spanId,
      parentSpanId: record.parentSpanId,
      startTimeUnixNano: (t0 + 2_000_000n).toString(),
      endTimeUnixNano: (t0 + 2_500_000n).toString(),
      serviceName: 'booking-agent',
      sessionEnd: true,
      receivedTimeUnixNano: (t0 + 2_000_000_000n).toString(),
    });
  });

  it('keeps the presence of optional token counts: 0 is not absent', () => {
    const decoded = decodeSpanRecord(encodeSpanRecord(spanRecord()));
    expect(toBigInt(decoded.genAi?.outputTokens)).toBe(0n);
    expect(decoded.genAi?.outputTokens).not.toBeNull();
    const bare = decodeSpanRecord(encodeSpanRecord({ genAi: { requestModel: 'm' } }));
    expect(bare.genAi?.inputTokens ?? null).toBeNull();
  });

  it('keeps nanosecond times beyond 2^53 exactly', () => {
    const decoded = decodeSpanRecord(encodeSpanRecord(spanRecord()));
    expect(toBigInt(decoded.startTimeUnixNano)).toBe(t0);
  });
});

describe('SessionRecord details', () => {
  it('splices already-encoded span bytes into a session record', () => {
    const session = sessionRecord();
    const spanBytes = (session.spans ?? []).map((s) => encodeSpanRecord(s));
    const spliced = encodeSessionRecordWithSpanBytes({ ...session, spans: [spanRecord(9)] }, spanBytes);
    // Every SessionRecord field number is below spans' 14, so the bytes are even identical.
    expect(Buffer.from(spliced).equals(Buffer.from(encodeSessionRecord(session)))).toBe(true);
    expect(decodeSessionRecord(spliced).spans.map((s) => s.spanId)).toEqual((session.spans ?? []).map((s) => s.spanId));
  });
});
