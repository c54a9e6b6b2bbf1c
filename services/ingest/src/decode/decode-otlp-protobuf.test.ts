import { Buffer } from 'node:buffer';
import { context, trace } from '@opentelemetry/api';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { ExportTraceServiceRequest, toBigInt, type IAnyValue } from '@tracebar/proto';
import { describe, expect, it } from 'vitest';
import { hexBytes, request, sdkSpans, span, SpanKind } from '../../test/normalize/support.js';
import { decodeOtlpProtobuf } from './decode-otlp-protobuf.js';
import { OtlpDecodeError } from './otlp-decode-error.js';

function officialBody(): Uint8Array {
  const spans = sdkSpans((tracer) => {
    const root = tracer.startSpan('invoke_agent support', { kind: SpanKind.SERVER, attributes: { 'gen_ai.operation.name': 'invoke_agent' } });
    const child = tracer.startSpan('chat gpt-4o', {
      kind: SpanKind.CLIENT,
      attributes: { text: 'héllo ✓', count: 42, big: Number.MAX_SAFE_INTEGER, ratio: 0.25, ok: true, tags: ['a', 'b'] },
    }, trace.setSpan(context.active(), root));
    child.addEvent('gen_ai.choice', { finish_reason: 'stop' });
    child.end();
    root.end();
  });
  const body = ProtobufTraceSerializer.serializeRequest(spans);
  if (body === undefined) throw new Error('serializer returned nothing');
  return body;
}

function attributeValue(values: { key?: string | null; value?: IAnyValue | null }[] | null | undefined, key: string): IAnyValue | undefined {
  return values?.find((entry) => entry.key === key)?.value ?? undefined;
}

describe('decodeOtlpProtobuf', () => {
  it('decodes what the official OpenTelemetry serializer encodes', () => {
    const body = officialBody();
    const decoded = decodeOtlpProtobuf(body);

    const resourceSpans = decoded.resourceSpans?.[0];
    expect(attributeValue(resourceSpans?.resource?.attributes, 'service.name')?.stringValue).toBe('support-agent');
    const scopeSpans = resourceSpans?.scopeSpans?.[0];
    expect(scopeSpans?.scope?.name).toBe('agent-instrumentation');
    const spans = scopeSpans?.spans ?? [];
    expect(spans.map((s) => s.name)).toEqual(['chat gpt-4o', 'invoke_agent support']);
    const [child, root] = spans;
    expect(child?.traceId).toHaveLength(16);
    expect(child?.spanId).toHaveLength(8);
    expect(Buffer.from(child?.parentSpanId ?? []).equals(Buffer.from(root?.spanId ?? []))).toBe(true);
    expect(root?.parentSpanId).toHaveLength(0);
    expect(child?.kind).toBe(3);
    expect(toBigInt(child?.endTimeUnixNano) >= toBigInt(child?.startTimeUnixNano)).toBe(true);
    expect(attributeValue(child?.attributes, 'text')?.stringValue).toBe('héllo ✓');
    expect(toBigInt(attributeValue(child?.attributes, 'big')?.intValue)).toBe(BigInt(Number.MAX_SAFE_INTEGER));
    expect(attributeValue(child?.attributes, 'ratio')?.doubleValue).toBe(0.25);
    expect(attributeValue(child?.attributes, 'ok')?.boolValue).toBe(true);
    expect(attributeValue(child?.attributes, 'tags')?.arrayValue?.values?.map((v) => v.stringValue)).toEqual(['a', 'b']);
    expect(child?.events?.[0]?.name).toBe('gen_ai.choice');
  });

  it('accepts a Uint8Array that is not a Buffer, and a Buffer slice of a larger buffer', () => {
    const body = officialBody();
    const plain = new Uint8Array(body);
    expect(Buffer.isBuffer(plain)).toBe(false);
    expect(decodeOtlpProtobuf(plain).resourceSpans?.[0]?.scopeSpans?.[0]?.spans).toHaveLength(2);
    const padded = Buffer.concat([Buffer.from([1, 2, 3]), Buffer.from(body)]).subarray(3);
    expect(decodeOtlpProtobuf(padded).resourceSpans?.[0]?.scopeSpans?.[0]?.spans).toHaveLength(2);
  });

  it('decodes ids of the wrong length as they are, for the normalizer to reject span by span', () => {
    const body = ExportTraceServiceRequest.encode(request([span({ traceId: hexBytes('0af7651916cd43dd8448eb211c8031'), spanId: hexBytes('b7ad6b71692033'), parentSpanId: hexBytes('01') })])).finish();
    const decoded = decodeOtlpProtobuf(body).resourceSpans?.[0]?.scopeSpans?.[0]?.spans?.[0];
    expect(decoded?.traceId).toHaveLength(15);
    expect(decoded?.spanId).toHaveLength(7);
    expect(decoded?.parentSpanId).toHaveLength(1);
  });

  it('decodes an empty body as an empty request', () => {
    expect(decodeOtlpProtobuf(new Uint8Array(0)).resourceSpans ?? []).toHaveLength(0);
  });

  it('refuses a truncated body with a permanent OtlpDecodeError', () => {
    const body = officialBody();
    const error = captureError(() => decodeOtlpProtobuf(body.subarray(0, body.length - 1)));
    expect(error).toBeInstanceOf(OtlpDecodeError);
    expect(error).toMatchObject({ code: 'INVALID_ARGUMENT', retryable: false, encoding: 'protobuf' });
    expect(error.reason).toMatch(/^truncated or malformed protobuf: a length runs past the end of the body/);
    expect(error.message).toBe(`invalid OTLP/protobuf request: ${error.reason}`);
  });

  it('refuses bytes that are not protobuf, naming the problem', () => {
    // An unknown field (15) with wire type 7: no such wire type.
    const error = captureError(() => decodeOtlpProtobuf(Buffer.from([0x7f, 0x01])));
    expect(error.reason).toMatch(/^malformed protobuf: invalid wire type 7/);
    // A JSON body posted as protobuf: "{" starts a group that never ends.
    expect(() => decodeOtlpProtobuf(Buffer.from('{"resourceSpans":[]}'))).toThrow(OtlpDecodeError);
  });
});

function captureError(run: () => unknown): OtlpDecodeError {
  try {
    run();
  } catch (error) {
    if (error instanceof OtlpDecodeError) return error;
    throw error;
  }
  throw new Error('expected an OtlpDecodeError');
}
