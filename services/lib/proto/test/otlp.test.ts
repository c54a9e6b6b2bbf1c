// OTLP trace messages: field numbers checked against byte sequences built by hand from the
// OTLP specification, a full round trip, the gRPC definition, and the vendored files pinned.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  ExportTraceServiceRequest,
  OtlpSpanKind,
  OtlpStatusCode,
  decodeExportTraceServiceRequest,
  decodeExportTraceServiceResponse,
  encodeExportTraceServiceRequest,
  encodeExportTraceServiceResponse,
  idToHex,
  otlpTraceServiceDefinition,
  toBigInt,
  toLong,
  type IExportTraceServiceRequest,
} from '../src/index.js';

// A minimal protobuf *writer* for building expected bytes from the spec's field numbers.
function varint(value: bigint | number): number[] {
  let v = BigInt(value);
  const out: number[] = [];
  do {
    const byte = Number(v & 0x7fn);
    v >>= 7n;
    out.push(v > 0n ? byte | 0x80 : byte);
  } while (v > 0n);
  return out;
}
const tag = (field: number, wire: number) => varint((field << 3) | wire);
const uint = (field: number, value: bigint | number) => [...tag(field, 0), ...varint(value)];
const len = (field: number, bytes: number[]) => [...tag(field, 2), ...varint(bytes.length), ...bytes];
const str = (field: number, s: string) => len(field, [...Buffer.from(s, 'utf8')]);
const fixed64 = (field: number, v: bigint) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(v);
  return [...tag(field, 1), ...b];
};
const fixed32 = (field: number, v: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v);
  return [...tag(field, 5), ...b];
};
const double = (field: number, v: number) => {
  const b = Buffer.alloc(8);
  b.writeDoubleLE(v);
  return [...tag(field, 1), ...b];
};

const traceId = [...Buffer.from('5b8efff798038103d269b633813fc60c', 'hex')];
const spanId = [...Buffer.from('eee19b7ec3c1b174', 'hex')];
const parentId = [...Buffer.from('eee19b7ec3c1b173', 'hex')];
const start = 1_732_000_000_123_456_789n;
const end = start + 2_000_000n;

// ExportTraceServiceRequest per opentelemetry-proto v1.11.0, fields in ascending number order.
// KeyValue{key=1, value=2}; AnyValue{string_value=1, bool_value=2, int_value=3, double_value=4}
const keyValue = (key: string, value: number[]) => [...str(1, key), ...len(2, value)];
const spanBytes = [
  ...len(1, traceId), // Span.trace_id = 1
  ...len(2, spanId), // Span.span_id = 2
  ...str(3, 'rojo=00f067aa0ba902b7'), // Span.trace_state = 3
  ...len(4, parentId), // Span.parent_span_id = 4
  ...str(5, 'chat gpt-4o'), // Span.name = 5
  ...uint(6, 3), // Span.kind = 6 (SPAN_KIND_CLIENT)
  ...fixed64(7, start), // Span.start_time_unix_nano = 7
  ...fixed64(8, end), // Span.end_time_unix_nano = 8
  ...len(9, keyValue('gen_ai.request.model', str(1, 'gpt-4o'))), // Span.attributes = 9
  ...len(9, keyValue('gen_ai.usage.input_tokens', uint(3, 42))),
  ...len(9, keyValue('llm.is_streaming', uint(2, 1))),
  ...len(9, keyValue('gen_ai.request.temperature', double(4, 0.5))),
  ...uint(10, 1), // Span.dropped_attributes_count = 10
  ...len(11, [...fixed64(1, start + 5n), ...str(2, 'exception')]), // Span.events = 11 {time=1, name=2}
  ...uint(12, 2), // Span.dropped_events_count = 12
  ...len(13, [...len(1, traceId), ...len(2, parentId)]), // Span.links = 13 {trace_id=1, span_id=2}
  ...uint(14, 3), // Span.dropped_links_count = 14
  ...len(15, [...str(2, 'boom'), ...uint(3, 2)]), // Span.status = 15 {message=2, code=3 ERROR}
  ...fixed32(16, 0x301), // Span.flags = 16
];
const requestBytes = Uint8Array.from(
  len(1, [
    // ExportTraceServiceRequest.resource_spans = 1
    ...len(1, len(1, keyValue('service.name', str(1, 'booking-agent')))), // ResourceSpans.resource = 1 {attributes=1}
    ...len(2, [
      // ResourceSpans.scope_spans = 2
      ...len(1, [...str(1, 'openinference'), ...str(2, '0.1.9')]), // ScopeSpans.scope = 1 {name=1, version=2}
      ...len(2, spanBytes), // ScopeSpans.spans = 2
      ...str(3, 'https://opentelemetry.io/schemas/1.36.0'), // ScopeSpans.schema_url = 3
    ]),
    ...str(3, 'https://opentelemetry.io/schemas/1.37.0'), // ResourceSpans.schema_url = 3
  ]),
);

describe('OTLP field numbers', () => {
  it('decodes a request built by hand from the specification', () => {
    const request = decodeExportTraceServiceRequest(requestBytes);
    const rs = request.resourceSpans[0];
    const ss = rs?.scopeSpans[0];
    const span = ss?.spans[0];
    expect(rs?.resource?.attributes[0]?.key).toBe('service.name');
    expect(rs?.resource?.attributes[0]?.value?.stringValue).toBe('booking-agent');
    expect(rs?.schemaUrl).toBe('https://opentelemetry.io/schemas/1.37.0');
    expect(ss?.scope?.name).toBe('openinference');
    expect(ss?.scope?.version).toBe('0.1.9');
    expect(ss?.schemaUrl).toBe('https://opentelemetry.io/schemas/1.36.0');
    if (!span) throw new Error('no span decoded');
    expect(idToHex(span.traceId)).toBe('5b8efff798038103d269b633813fc60c');
    expect(idToHex(span.spanId)).toBe('eee19b7ec3c1b174');
    expect(idToHex(span.parentSpanId)).toBe('eee19b7ec3c1b173');
    expect(span.traceState).toBe('rojo=00f067aa0ba902b7');
    expect(span.name).toBe('chat gpt-4o');
    expect(span.kind).toBe(OtlpSpanKind.SPAN_KIND_CLIENT);
    expect(toBigInt(span.startTimeUnixNano)).toBe(start);
    expect(toBigInt(span.endTimeUnixNano)).toBe(end);
    expect(span.attributes.map((a) => [a.key, a.value?.value])).toEqual([
      ['gen_ai.request.model', 'stringValue'],
      ['gen_ai.usage.input_tokens', 'intValue'],
      ['llm.is_streaming', 'boolValue'],
      ['gen_ai.request.temperature', 'doubleValue'],
    ]);
    expect(toBigInt(span.attributes[1]?.value?.intValue)).toBe(42n);
    expect(span.attributes[2]?.value?.boolValue).toBe(true);
    expect(span.attributes[3]?.value?.doubleValue).toBe(0.5);
    expect(span.droppedAttributesCount).toBe(1);
    expect(span.events[0]?.name).toBe('exception');
    expect(toBigInt(span.events[0]?.timeUnixNano)).toBe(start + 5n);
    expect(span.droppedEventsCount).toBe(2);
    expect(idToHex(span.links[0]?.spanId ?? new Uint8Array())).toBe('eee19b7ec3c1b173');
    expect(span.droppedLinksCount).toBe(3);
    expect(span.status?.code).toBe(OtlpStatusCode.STATUS_CODE_ERROR);
    expect(span.status?.message).toBe('boom');
    expect(span.flags).toBe(0x301);
  });

  it('encodes the decoded request back to exactly the hand-built bytes', () => {
    const request = decodeExportTraceServiceRequest(requestBytes);
    expect(Buffer.from(encodeExportTraceServiceRequest(request)).toString('hex')).toBe(
      Buffer.from(requestBytes).toString('hex'),
    );
  });

  it('reads a partial success response (partial_success = 1 {rejected_spans = 1, error_message = 2})', () => {
    const bytes = Uint8Array.from(len(1, [...uint(1, 3), ...str(2, '3 spans had invalid ids')]));
    const response = decodeExportTraceServiceResponse(bytes);
    expect(toBigInt(response.partialSuccess?.rejectedSpans)).toBe(3n);
    expect(response.partialSuccess?.errorMessage).toBe('3 spans had invalid ids');
    expect(Uint8Array.from(encodeExportTraceServiceResponse(response))).toEqual(bytes);
    expect(encodeExportTraceServiceResponse({})).toHaveLength(0);
  });

  it('rejects truncated input', () => {
    expect(() => decodeExportTraceServiceRequest(requestBytes.subarray(0, requestBytes.length - 3))).toThrow();
  });
});

describe('OTLP round trip', () => {
  it('keeps every kind of attribute value, events, links and status', () => {
    const request: IExportTraceServiceRequest = {
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'a' } }], droppedAttributesCount: 1 },
          scopeSpans: [
            {
              scope: { name: 's', version: '1', attributes: [{ key: 'k', value: { boolValue: false } }] },
              spans: [
                {
                  traceId: Uint8Array.from(traceId),
                  spanId: Uint8Array.from(spanId),
                  name: 'tool search',
                  kind: OtlpSpanKind.SPAN_KIND_INTERNAL,
                  startTimeUnixNano: toLong(start),
                  endTimeUnixNano: toLong(end),
                  attributes: [
                    { key: 'str', value: { stringValue: 'x' } },
                    { key: 'int', value: { intValue: toLong(-7n) } },
                    { key: 'bytes', value: { bytesValue: Uint8Array.from([1, 2]) } },
                    {
                      key: 'arr',
                      value: { arrayValue: { values: [{ stringValue: 'a' }, { doubleValue: 1.5 }] } },
                    },
                    {
                      key: 'kv',
                      value: { kvlistValue: { values: [{ key: 'inner', value: { intValue: toLong(1n) } }] } },
                    },
                  ],
                  events: [{ timeUnixNano: toLong(start), name: 'e', attributes: [], droppedAttributesCount: 1 }],
                  links: [{ traceId: Uint8Array.from(traceId), spanId: Uint8Array.from(parentId), flags: 1 }],
                  status: { code: OtlpStatusCode.STATUS_CODE_OK },
                  flags: 1,
                },
              ],
            },
          ],
        },
      ],
    };
    const opts = { longs: String, bytes: String, enums: String };
    const decoded = decodeExportTraceServiceRequest(encodeExportTraceServiceRequest(request));
    expect(ExportTraceServiceRequest.toObject(decoded, opts)).toEqual(
      ExportTraceServiceRequest.toObject(ExportTraceServiceRequest.fromObject(request), opts),
    );
  });
});

describe('gRPC service definition', () => {
  it('names the OTLP method path and (de)serializes requests', () => {
    const def = otlpTraceServiceDefinition.export;
    expect(def.path).toBe('/opentelemetry.proto.collector.trace.v1.TraceService/Export');
    const buffer = def.requestSerialize(decodeExportTraceServiceRequest(requestBytes));
    expect(Buffer.isBuffer(buffer)).toBe(true);
    expect(def.requestDeserialize(buffer).resourceSpans).toHaveLength(1);
    expect(def.responseDeserialize(def.responseSerialize({ partialSuccess: { errorMessage: 'x' } })).partialSuccess?.errorMessage).toBe('x');
  });
});

describe('vendored OTLP schema', () => {
  // proto/opentelemetry/ is opentelemetry-proto v1.11.0, unmodified (see proto/README.md).
  const pinned: Record<string, string> = {
    'opentelemetry/proto/common/v1/common.proto': '620560f3ad4c45d606f8a9c455f2b98089f0d511c5859c3eadd3ee630ae0d4d8',
    'opentelemetry/proto/resource/v1/resource.proto': 'e0a7cdc0ffcfeffaa2606e8611839735ebffaa2d6acdf33e9356f2c48ae692d3',
    'opentelemetry/proto/trace/v1/trace.proto': 'c3fb1385c90b8bc08a2a462e28b5d0c422c7b524a839f75f75e3cd9f64f36956',
    'opentelemetry/proto/collector/trace/v1/trace_service.proto':
      '03c8cc4e3e101087d884392d6eda32152ad5cd696e6344f50deaa59804a75c7a',
  };
  const protoDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../proto');
  for (const [file, sha256] of Object.entries(pinned)) {
    it(`${file} is the official file`, () => {
      expect(createHash('sha256').update(readFileSync(join(protoDir, file))).digest('hex')).toBe(sha256);
    });
  }
});
