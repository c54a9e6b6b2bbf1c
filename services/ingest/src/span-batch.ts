// The contract between the OTLP transports (HTTP, gRPC) and the normalizer: transports decode
// a request and hand it over with who sent it; the normalizer turns it into bus messages.
import type { opentelemetry } from '@tracebar/proto';

export type OtlpTraceRequest = opentelemetry.proto.collector.trace.v1.IExportTraceServiceRequest;

export interface NormalizeContext {
  /** From the API key; `default` when no keys are configured. */
  tenant: string;
  /** Processing time stamped on every record (SpanRecord.received_time_unix_nano). */
  receivedTimeUnixNano: bigint;
}

/** One span ready for the spans topic. */
export interface NormalizedSpan {
  /** `<tenant>/<session key>` (sessionRecordKey): every span of a session on one partition. */
  key: string;
  /** An encoded tracebar.v1.SpanRecord. */
  value: Buffer;
}

export interface NormalizeCounts {
  /** String values cut at ingest.maxAttributeValueLength. */
  truncatedValues: number;
  /** Values dropped, hashed or masked by redaction rules. */
  redactedValues: number;
  /** Attributes beyond ingest.maxAttributesPerSpan. */
  droppedAttributes: number;
}

export interface NormalizeResult {
  spans: NormalizedSpan[];
  /** Spans refused (bad ids, missing fields, too large); the rest of the request goes on. */
  rejectedSpans: number;
  /** Distinct reasons, a few at most, for OTLP partial_success.error_message. */
  rejectionReasons: string[];
  /** Things changed but kept (e.g. attributes dropped), also reported in partial_success. */
  warnings: string[];
  counts: NormalizeCounts;
}

export type Normalizer = (request: OtlpTraceRequest, context: NormalizeContext) => NormalizeResult;
