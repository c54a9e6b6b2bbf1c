// Helpers for the normalizer tests: config, hand-built OTLP requests (plain objects shaped like
// the decoder output), spans from the real OpenTelemetry SDK, and decoded results.
import { Buffer } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SpanKind, type Tracer } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan, type SpanLimits } from '@opentelemetry/sdk-trace-base';
import { configSchema, type IngestConfig } from '@tracebar/config';
import { SpanRecord, decodeSpanRecord, toLong, type IAnyValue, type IKeyValue, type IOtlpSpan } from '@tracebar/proto';
import { expect } from 'vitest';
import { toSpanRecordMessage, type RecordEncoder } from '../../src/encode/span-record-encoder.js';
import { decodeOtlpJson } from '../../src/decode/decode-otlp-json.js';
import { createNormalizer } from '../../src/normalize/create-normalizer.js';
import type { NormalizeResult, OtlpTraceRequest } from '../../src/span-batch.js';

export const TENANT = 'acme';
export const RECEIVED = 1_700_000_000_123_456_789n;
export const MAX_MESSAGE_BYTES = 1_048_576;

export type IngestOverrides = Partial<Omit<IngestConfig, 'redaction'>> & { redaction?: Partial<IngestConfig['redaction']> };

export function ingestConfig(overrides: IngestOverrides = {}): IngestConfig {
  const base = configSchema.parse({}).ingest;
  return { ...base, ...overrides, redaction: { ...base.redaction, ...overrides.redaction } };
}

/** The generated protobufjs encoder on the whole record: what the normalizer's own encoder must match. */
export const generatedEncoder: RecordEncoder = (w, record, shared) => w.raw(SpanRecord.encode(toSpanRecordMessage({ ...record, ...shared.source })).finish());

/**
 * Normalizes with the normalizer's encoder and, as a check on every input of the normalizer
 * tests, again with the generated encoder: the results must be identical, bytes included.
 */
export function normalize(request: OtlpTraceRequest, overrides: IngestOverrides = {}, maxMessageBytes = MAX_MESSAGE_BYTES): NormalizeResult {
  const context = { tenant: TENANT, receivedTimeUnixNano: RECEIVED };
  const result = createNormalizer(ingestConfig(overrides), { maxMessageBytes })(request, context);
  const reference = createNormalizer(ingestConfig(overrides), { maxMessageBytes }, generatedEncoder)(request, context);
  expect(result).toEqual(reference);
  expect(result.spans.map((s) => s.value.toString('hex'))).toEqual(reference.spans.map((s) => s.value.toString('hex')));
  return result;
}

export function records(result: NormalizeResult): SpanRecord[] {
  return result.spans.map((span) => decodeSpanRecord(span.value));
}

/** Normalizes a one-span request and returns its record (fails the test if it was rejected). */
export function normalizeSpan(span: IOtlpSpan, options: { resource?: IKeyValue[]; overrides?: IngestOverrides } = {}): SpanRecord {
  const result = normalize(request([span], options.resource), options.overrides);
  if (result.spans.length !== 1) throw new Error(`span rejected: ${result.rejectionReasons.join('; ')}`);
  return records(result)[0] as SpanRecord;
}

/** A JavaScript value as an OTLP AnyValue (integers become intValue, other numbers doubleValue). */
export function anyValue(value: unknown): IAnyValue {
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  if (typeof value === 'bigint') return { intValue: toLong(value).toSigned() };
  if (typeof value === 'number') return Number.isInteger(value) ? { intValue: toLong(value).toSigned() } : { doubleValue: value };
  if (value instanceof Uint8Array) return { bytesValue: value };
  if (Array.isArray(value)) return { arrayValue: { values: value.map(anyValue) } };
  if (typeof value === 'object' && value !== null) return { kvlistValue: { values: keyValues(value as Record<string, unknown>) } };
  return {};
}

export function keyValues(attributes: Record<string, unknown>): IKeyValue[] {
  return Object.entries(attributes).map(([key, value]) => ({ key, value: anyValue(value) }));
}

export const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
export const SPAN_ID = 'b7ad6b7169203331';
export const START = 1_700_000_000_000_000_000n;
export const END = 1_700_000_001_500_000_000n;

export function hexBytes(hex: string): Uint8Array {
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

/** A valid span with the given overrides; `attributes` as plain JavaScript values. */
export function span(overrides: Partial<IOtlpSpan> & { attrs?: Record<string, unknown> } = {}): IOtlpSpan {
  const { attrs, ...rest } = overrides;
  return {
    traceId: hexBytes(TRACE_ID),
    spanId: hexBytes(SPAN_ID),
    name: 'chat gpt-4o',
    kind: 3,
    startTimeUnixNano: toLong(START),
    endTimeUnixNano: toLong(END),
    attributes: attrs === undefined ? [] : keyValues(attrs),
    ...rest,
  };
}

export function request(spans: IOtlpSpan[], resource: IKeyValue[] = keyValues({ 'service.name': 'support-agent' })): OtlpTraceRequest {
  return { resourceSpans: [{ resource: { attributes: resource }, scopeSpans: [{ scope: { name: 'test-scope', version: '1.0.0' }, spans }] }] };
}

/** Finished spans from the real OpenTelemetry SDK, for the official serializers. */
export function sdkSpans(emit: (tracer: Tracer) => void, options: { resource?: Record<string, string>; spanLimits?: SpanLimits } = {}): ReadableSpan[] {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes(options.resource ?? { 'service.name': 'support-agent', 'service.version': '2.4.1' }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
    ...(options.spanLimits ? { spanLimits: options.spanLimits } : {}),
  });
  emit(provider.getTracer('agent-instrumentation', '0.9.0'));
  return exporter.getFinishedSpans();
}

export { SpanKind };

const testdata = fileURLToPath(new URL('../../testdata/', import.meta.url));

/** A request from an OTLP/JSON fixture in services/ingest/testdata. */
export function fixtureRequest(name: string): OtlpTraceRequest {
  return decodeOtlpJson(readFileSync(`${testdata}${name}`, 'utf8'));
}
