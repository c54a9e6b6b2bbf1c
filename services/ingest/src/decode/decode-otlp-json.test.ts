import { Buffer } from 'node:buffer';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { toBigInt, type IAnyValue, type IOtlpSpan } from '@tracebar/proto';
import { describe, expect, it } from 'vitest';
import { normalize, sdkSpans, SpanKind } from '../../test/normalize/support.js';
import { decodeOtlpJson, MAX_JSON_VALUE_DEPTH } from './decode-otlp-json.js';
import { decodeOtlpProtobuf } from './decode-otlp-protobuf.js';
import { invalidIdReasonOf } from './invalid-id.js';
import { OtlpDecodeError } from './otlp-decode-error.js';

const traceId = '5b8efff798038103d269b633813fc60c';
const spanId = 'eee19b7ec3c1b174';

function body(spanJson: Record<string, unknown>): string {
  return JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'checkout' } }] },
        scopeSpans: [{ scope: { name: 'manual' }, spans: [{ traceId, spanId, name: 'op', startTimeUnixNano: '1700000000000000000', endTimeUnixNano: '1700000000500000000', ...spanJson }] }],
      },
    ],
  });
}

function onlySpan(text: string): IOtlpSpan {
  const decoded = decodeOtlpJson(text).resourceSpans?.[0]?.scopeSpans?.[0]?.spans?.[0];
  if (decoded === undefined) throw new Error('no span decoded');
  return decoded;
}

function attribute(span: IOtlpSpan, key: string): IAnyValue | undefined {
  return span.attributes?.find((entry) => entry.key === key)?.value ?? undefined;
}

function decodeError(text: string | Uint8Array): OtlpDecodeError {
  try {
    decodeOtlpJson(text);
  } catch (error) {
    if (error instanceof OtlpDecodeError) return error;
    throw error;
  }
  throw new Error('expected an OtlpDecodeError');
}

describe('decodeOtlpJson', () => {
  it('reads the official JSON serializer output exactly like the protobuf path reads the protobuf one', () => {
    const spans = sdkSpans((tracer) => {
      const s = tracer.startSpan('chat', {
        kind: SpanKind.CLIENT,
        attributes: { text: 'héllo', count: 7, ratio: 0.5, ok: false, list: ['x', 'y'], nums: [1, 2], 'session.id': 's-1' },
      });
      s.addEvent('gen_ai.choice', { 'message.content': 'answer', finish_reason: 'stop' });
      s.setStatus({ code: 2, message: 'tool failed' });
      s.end();
    });
    const json = JsonTraceSerializer.serializeRequest(spans);
    const protobuf = ProtobufTraceSerializer.serializeRequest(spans);
    if (json === undefined || protobuf === undefined) throw new Error('serializer returned nothing');

    const fromJson = normalize(decodeOtlpJson(json));
    const fromProtobuf = normalize(decodeOtlpProtobuf(protobuf));
    expect(fromJson.spans).toHaveLength(1);
    expect(fromJson.spans[0]?.key).toBe(fromProtobuf.spans[0]?.key);
    expect(Buffer.compare(fromJson.spans[0]?.value ?? Buffer.alloc(0), fromProtobuf.spans[0]?.value ?? Buffer.alloc(1))).toBe(0);
  });

  it('reads hex ids, 64-bit integers as strings or numbers, and every AnyValue member', () => {
    const span = onlySpan(
      body({
        parentSpanId: 'AAF7651916CD43DD',
        kind: 2,
        flags: 257,
        attributes: [
          { key: 's', value: { stringValue: 'text' } },
          { key: 'b', value: { boolValue: true } },
          { key: 'max', value: { intValue: '9223372036854775807' } },
          { key: 'min', value: { intValue: '-9223372036854775808' } },
          { key: 'n', value: { intValue: 42 } },
          { key: 'd', value: { doubleValue: 1.5 } },
          { key: 'nan', value: { doubleValue: 'NaN' } },
          { key: 'inf', value: { doubleValue: '-Infinity' } },
          { key: 'arr', value: { arrayValue: { values: [{ stringValue: 'a' }, { intValue: '1' }] } } },
          { key: 'kv', value: { kvlistValue: { values: [{ key: 'inner', value: { boolValue: false } }] } } },
          { key: 'bytes', value: { bytesValue: 'AQID/w==' } },
          { key: 'urlsafe', value: { bytesValue: '_-8' } },
          { key: 'empty', value: {} },
        ],
      }),
    );
    expect(Buffer.from(span.traceId ?? []).toString('hex')).toBe(traceId);
    expect(Buffer.from(span.spanId ?? []).toString('hex')).toBe(spanId);
    expect(Buffer.from(span.parentSpanId ?? []).toString('hex')).toBe('aaf7651916cd43dd');
    expect(span).toMatchObject({ kind: 2, flags: 257, name: 'op' });
    expect(toBigInt(span.startTimeUnixNano)).toBe(1_700_000_000_000_000_000n);
    expect(attribute(span, 's')?.stringValue).toBe('text');
    expect(attribute(span, 'b')?.boolValue).toBe(true);
    expect(toBigInt(attribute(span, 'max')?.intValue)).toBe(9_223_372_036_854_775_807n);
    expect(toBigInt(attribute(span, 'min')?.intValue)).toBe(-9_223_372_036_854_775_808n);
    expect(toBigInt(attribute(span, 'n')?.intValue)).toBe(42n);
    expect(attribute(span, 'd')?.doubleValue).toBe(1.5);
    expect(attribute(span, 'nan')?.doubleValue).toBeNaN();
    expect(attribute(span, 'inf')?.doubleValue).toBe(Number.NEGATIVE_INFINITY);
    expect(attribute(span, 'arr')?.arrayValue?.values?.[0]?.stringValue).toBe('a');
    expect(toBigInt(attribute(span, 'arr')?.arrayValue?.values?.[1]?.intValue)).toBe(1n);
    expect(attribute(span, 'kv')?.kvlistValue?.values?.[0]).toMatchObject({ key: 'inner', value: { boolValue: false } });
    expect([...(attribute(span, 'bytes')?.bytesValue ?? [])]).toEqual([1, 2, 3, 255]);
    expect([...(attribute(span, 'urlsafe')?.bytesValue ?? [])]).toEqual([255, 239]);
    expect(attribute(span, 'empty')).toEqual({});
  });

  it('accepts the original snake_case names and enum names, and ignores unknown members', () => {
    const text = JSON.stringify({
      resource_spans: [
        {
          scope_spans: [
            {
              spans: [
                {
                  trace_id: traceId,
                  span_id: spanId,
                  name: 'op',
                  kind: 'SPAN_KIND_CONSUMER',
                  start_time_unix_nano: 5,
                  end_time_unix_nano: '6',
                  status: { code: 'STATUS_CODE_ERROR', message: 'boom' },
                  attributes: [{ key: 'x', value: { string_value: 'y' } }],
                  dropped_attributes_count: 3,
                  someFutureField: { anything: true },
                },
              ],
            },
          ],
        },
      ],
      extension: 1,
    });
    const span = onlySpan(text);
    expect(span).toMatchObject({ kind: 5, status: { code: 2, message: 'boom' }, droppedAttributesCount: 3 });
    expect(toBigInt(span.endTimeUnixNano)).toBe(6n);
    expect(attribute(span, 'x')?.stringValue).toBe('y');
  });

  it('keeps a span whose id text is invalid, carrying the problem for the normalizer', () => {
    const badTrace = onlySpan(body({ traceId: traceId.slice(1) }));
    expect(invalidIdReasonOf(badTrace)).toBe('traceId: expected 32 hex characters, got 31');
    const base64 = onlySpan(body({ spanId: Buffer.from(spanId, 'hex').toString('base64') }));
    expect(invalidIdReasonOf(base64)).toBe('spanId: expected 16 hex characters, got non-hex text (OTLP/JSON ids are hex, not base64)');
    const noTrace = onlySpan(body({ traceId: '' }));
    expect(invalidIdReasonOf(noTrace)).toBe('traceId: missing (expected 32 hex characters)');
    const badParent = onlySpan(body({ parentSpanId: 'xyz' }));
    expect(invalidIdReasonOf(badParent)).toMatch(/^parentSpanId: expected 16 hex characters/);
    expect(invalidIdReasonOf(onlySpan(body({})))).toBeUndefined();
  });

  it('refuses invalid JSON', () => {
    const error = decodeError('{"resourceSpans": [');
    expect(error).toMatchObject({ code: 'INVALID_ARGUMENT', retryable: false, encoding: 'json' });
    expect(error.reason).toMatch(/^invalid JSON: /);
    expect(error.message).toBe(`invalid OTLP/JSON request: ${error.reason}`);
    expect(decodeError('[]').reason).toBe('expected a JSON object (ExportTraceServiceRequest)');
    expect(decodeError(Buffer.from([0x7b, 0xff, 0xfe])).reason).toMatch(/^invalid JSON/);
  });

  it('refuses values of the wrong shape, naming where', () => {
    const cases: [string, string][] = [
      [JSON.stringify({ resourceSpans: {} }), 'resourceSpans: expected an array'],
      [body({ kind: 'SPAN_KIND_SIDEWAYS' }), 'resourceSpans[0].scopeSpans[0].spans[0].kind: expected an integer or a SpanKind name'],
      [body({ startTimeUnixNano: '12abc' }), 'resourceSpans[0].scopeSpans[0].spans[0].startTimeUnixNano: expected an integer (a number or a decimal string)'],
      [body({ endTimeUnixNano: -1 }), 'resourceSpans[0].scopeSpans[0].spans[0].endTimeUnixNano: expected an unsigned 64-bit integer'],
      [body({ traceId: 12 }), 'resourceSpans[0].scopeSpans[0].spans[0].traceId: expected a hex string'],
      [body({ name: ['x'] }), 'resourceSpans[0].scopeSpans[0].spans[0].name: expected a string'],
      [body({ attributes: [{ key: 'a', value: { intValue: '1.5' } }] }), 'resourceSpans[0].scopeSpans[0].spans[0].attributes[0].value.intValue: expected an integer (a number or a decimal string)'],
      [body({ attributes: [{ key: 'a', value: { stringValue: 'x', intValue: 1 } }] }), 'resourceSpans[0].scopeSpans[0].spans[0].attributes[0].value.value: expected at most one of stringValue, boolValue, intValue, doubleValue, arrayValue, kvlistValue, bytesValue'],
      [body({ attributes: [{ key: 'a', value: { bytesValue: 'not base64!' } }] }), 'resourceSpans[0].scopeSpans[0].spans[0].attributes[0].value.bytesValue: expected base64 text'],
      [body({ events: [{}, { attributes: [{ key: 'k', value: { kvlistValue: { values: [{ key: 'z', value: { boolValue: 'yes' } }] } } }] }] }), 'resourceSpans[0].scopeSpans[0].spans[0].events[1].attributes[0].value.kvlistValue.values[0].value.boolValue: expected true or false'],
      [body({ links: [{ traceId, spanId, flags: 2 ** 32 }] }), 'resourceSpans[0].scopeSpans[0].spans[0].links[0].flags: expected an unsigned 32-bit integer'],
      [body({ status: 'ok' }), 'resourceSpans[0].scopeSpans[0].spans[0].status: expected an object'],
      [JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [1] }] }] }), 'resourceSpans[0].scopeSpans[0].spans[0]: expected an object'],
    ];
    for (const [text, reason] of cases) expect(decodeError(text).reason).toBe(reason);
  });

  it(`refuses values nested deeper than ${MAX_JSON_VALUE_DEPTH} levels`, () => {
    let value: unknown = { stringValue: 'leaf' };
    for (let i = 0; i < MAX_JSON_VALUE_DEPTH + 1; i++) value = { arrayValue: { values: [value] } };
    expect(decodeError(body({ attributes: [{ key: 'deep', value }] })).reason).toMatch(new RegExp(`values nested deeper than ${MAX_JSON_VALUE_DEPTH} levels$`));

    let ok: unknown = { stringValue: 'leaf' };
    for (let i = 0; i < MAX_JSON_VALUE_DEPTH; i++) ok = { arrayValue: { values: [ok] } };
    expect(onlySpan(body({ attributes: [{ key: 'deep', value: ok }] })).attributes).toHaveLength(1);
  });

  it('treats JSON null as "not set" and an absent resourceSpans as an empty request', () => {
    expect(decodeOtlpJson('{}').resourceSpans).toEqual([]);
    const span = onlySpan(body({ parentSpanId: null, status: null, attributes: null }));
    expect(span.parentSpanId).toHaveLength(0);
    expect(span.attributes).toEqual([]);
  });
});
