// OTLP/protobuf export requests from imported sessions, by the official serializer
// (@opentelemetry/otlp-transformer): what an OTLP exporter would put on the wire.
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { ImportedSession } from './session.js';

export const DEFAULT_SPANS_PER_REQUEST = 512;

/** Spans of whole sessions in groups of at least one session and about `maxSpans` spans. */
export function* spanBatches(sessions: Iterable<ImportedSession>, maxSpans = DEFAULT_SPANS_PER_REQUEST): Generator<ReadableSpan[]> {
  let batch: ReadableSpan[] = [];
  for (const session of sessions) {
    if (batch.length > 0 && batch.length + session.spans.length > maxSpans) {
      yield batch;
      batch = [];
    }
    batch.push(...session.spans);
  }
  if (batch.length > 0) yield batch;
}

export function serializeSpans(spans: ReadableSpan[]): Uint8Array {
  const bytes = ProtobufTraceSerializer.serializeRequest(spans);
  if (!bytes) throw new Error('the OTLP serializer produced no request');
  return bytes;
}

/** ExportTraceServiceRequest bytes (OTLP/protobuf), sessions never split across requests. */
export function toOtlpRequests(sessions: Iterable<ImportedSession>, maxSpansPerRequest = DEFAULT_SPANS_PER_REQUEST): Uint8Array[] {
  return [...spanBatches(sessions, maxSpansPerRequest)].map(serializeSpans);
}
